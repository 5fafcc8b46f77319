// agentdesk-scapi.js: a small Service Client API client for pages embedded in Agent Workspace
// (or the agentdesk emulator). It speaks the same wire format as Genesys's client library:
// postMessage to the opener or parent, "WWE Client" user agent, protocol version 2, string
// reference ids counting from "0", frameId echo, 10 s timeout, and it only accepts messages
// whose userAgent contains "WWE". Routing order: event, then referenceId, then frameId.
(function (global) {
  "use strict";
  var pending = {};
  var handlers = {};
  var counter = 0;
  var frameId;
  var target = null;

  function targetWindow() {
    if (target) return target;
    if (window.opener && window.opener !== window) return window.opener;
    return window.parent;
  }

  function post(message) {
    message.referenceId = message.referenceId || String(counter++);
    message.userAgent = "WWE Client";
    message.protocolVersion = 2;
    if (frameId !== undefined) message.frameId = frameId;
    targetWindow().postMessage(message, "*");
    return message.referenceId;
  }

  function sendMessage(message, succeeded, failed, timeoutMs) {
    var id = post(message);
    if (succeeded || failed) {
      var timer = setTimeout(function () {
        delete pending[id];
        if (failed) failed("Request timeout");
      }, timeoutMs || api.timeoutMs);
      pending[id] = { succeeded: succeeded, failed: failed, timer: timer };
    }
    return id;
  }

  function request(name, parameters) {
    return new Promise(function (resolve, reject) {
      var message = { request: name };
      if (parameters && parameters.length) message.parameters = parameters;
      sendMessage(message, resolve, reject);
    });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data.userAgent !== "string" || data.userAgent.indexOf("WWE") < 0) return;
    if (data.event) {
      var handler = handlers[data.event];
      if (handler) handler(data);
      return;
    }
    if (data.referenceId) {
      var entry = pending[data.referenceId];
      if (!entry) return;
      delete pending[data.referenceId];
      clearTimeout(entry.timer);
      var result = Object.assign({}, data);
      delete result.referenceId;
      if (data.errorMessage !== undefined) {
        if (entry.failed) entry.failed(result);
      } else if (entry.succeeded) {
        entry.succeeded(result);
      }
      return;
    }
    if (data.frameId !== undefined) frameId = data.frameId;
  });

  var api = {
    timeoutMs: 10000,
    targetWWEWindow: function (win) { target = win; },
    sendMessage: sendMessage,
    request: request,
    subscribe: function (names, handler) {
      var list = Array.isArray(names) ? names : [names];
      return new Promise(function (resolve, reject) {
        sendMessage({ event: "subscribe", data: list }, function (ack) {
          list.forEach(function (name) { handlers[name] = handler; });
          resolve(ack.subscriptionId);
        }, reject);
      });
    },
    unsubscribe: function (subscriptionId) {
      post({ event: "unsubscribe", data: subscriptionId });
    },
    frameId: function () { return frameId; }
  };
  global.agentdesk = { service: api };
})(window);
