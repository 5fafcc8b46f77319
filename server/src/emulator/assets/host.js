// The host page: embeds the configured apps, relays their postMessage traffic to the engine
// over /relay (tagged with the browser-verified event.origin and the frame it came from),
// posts replies back to each frame with its exact origin, and shows the simulated desktop.
(function () {
  "use strict";
  var frames = {};          // frame id -> { window, origin }
  var socket = null;
  var queue = [];
  var tab = sessionStorage.getItem("agentdesk-tab") || ("tab-" + Math.random().toString(36).slice(2, 10));
  sessionStorage.setItem("agentdesk-tab", tab);
  var selftest = new URLSearchParams(location.search).has("selftest");
  // `serve --token` prints the page URL with the run's token; the relay and the API need it.
  var token = new URLSearchParams(location.search).get("token");
  var tokenQuery = token ? "?token=" + encodeURIComponent(token) : "";
  function api(path, init) {
    init = init || {};
    if (token) init.headers = Object.assign({ "x-agentdesk-token": token }, init.headers || {});
    return fetch(path, init);
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    else queue.push(frame);
  }

  function connect() {
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/relay" + tokenQuery);
    socket.onopen = function () {
      setStatus(true);
      // Registering every known frame covers both the first connection and a reconnection,
      // so queued registrations are dropped; messages the apps posted meanwhile follow them.
      Object.keys(frames).forEach(function (id) { send({ type: "register", frame: id, origin: frames[id].origin, tab: tab }); });
      queue.splice(0).filter(function (frame) { return frame.type !== "register"; }).forEach(send);
    };
    socket.onclose = function () { setStatus(false); setTimeout(connect, 1000); };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "post") {
        var target = frames[message.frame];
        // Only ever to an exact origin: "*" would hand the message to whatever page the
        // window shows by now, and "null" (opaque) cannot be addressed at all.
        if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(message.targetOrigin || "")) {
          console.warn("relay: not posting to target origin", message.targetOrigin);
        } else if (target && target.window) {
          target.window.postMessage(message.data, message.targetOrigin);
        }
      } else if (message.type === "trace") {
        addTrace(message.record);
      } else if (message.type === "error") {
        console.warn("relay:", message.message);
        addNotice("relay: " + message.message);
      }
    };
  }

  function setStatus(up) {
    var el = document.getElementById("relay-status");
    el.textContent = up ? "relay: connected" : "relay: disconnected";
    el.className = up ? "pill" : "pill off";
  }

  function register(id, win, url) {
    var origin = new URL(url, location.href).origin;
    frames[id] = { window: win, origin: origin };
    send({ type: "register", frame: id, origin: origin, tab: tab });
  }

  // A frame is known by its window, whatever page it shows: event.origin tells the relay
  // which page spoke, and the relay connects a page of a new origin as a new frame. (The
  // iframe load event is no signal to reset on: it fires after the new page's scripts ran.)
  window.addEventListener("message", function (event) {
    var id = Object.keys(frames).find(function (key) { return frames[key].window === event.source; });
    if (!id) return;
    frames[id].origin = event.origin;
    send({ type: "message", frame: id, origin: event.origin, data: event.data });
  });

  function embed(url, index) {
    var id = "app-" + index;
    var box = document.createElement("div");
    box.className = "app";
    var bar = document.createElement("div");
    bar.className = "bar";
    bar.innerHTML = "<strong></strong><button>open in popup</button>";
    bar.querySelector("strong").textContent = url;
    var iframe = document.createElement("iframe");
    var src = new URL(url, location.href);
    if (selftest) src.searchParams.set("selftest", "1");
    iframe.src = src.toString();
    iframe.title = url;
    box.appendChild(bar);
    box.appendChild(iframe);
    document.getElementById("apps").appendChild(box);
    register(id, iframe.contentWindow, src.toString());
    bar.querySelector("button").onclick = function () {
      var popup = window.open(src.toString(), id + "-popup", "width=700,height=600");
      if (popup) register(id + "-popup", popup, src.toString());
    };
  }

  // The inspector's timeline is drawn a few times a second, not once per relayed message: an
  // app making calls in a row had its answers wait behind a redraw of the whole list for each
  // message. Entries keep their order and their time of arrival; at most TIMELINE_ENTRIES are
  // kept, waiting or drawn, and an entry's full message (its tooltip) is written out only when
  // the pointer first rests on it.
  var TIMELINE_ENTRIES = 300;
  var TIMELINE_DRAW_MS = 250;
  var waiting = [];
  var drawTimer = null;

  function addEntry(make) {
    waiting.push(make);
    if (waiting.length > TIMELINE_ENTRIES) waiting.splice(0, waiting.length - TIMELINE_ENTRIES);
    if (drawTimer === null) drawTimer = setTimeout(drawTimeline, TIMELINE_DRAW_MS);
  }

  function drawTimeline() {
    drawTimer = null;
    var list = document.getElementById("timeline");
    var fragment = document.createDocumentFragment();
    waiting.splice(0).forEach(function (make) {
      var item = make();
      // Rows scrolled out of view cost nothing to lay out and paint.
      item.style.contentVisibility = "auto";
      item.style.containIntrinsicSize = "auto 16px";
      fragment.insertBefore(item, fragment.firstChild);
    });
    list.insertBefore(fragment, list.firstChild);
    while (list.children.length > TIMELINE_ENTRIES) list.removeChild(list.lastChild);
  }

  function clearTimeline() {
    waiting = [];
    document.getElementById("timeline").textContent = "";
  }

  function addNotice(text) {
    var at = new Date();
    addEntry(function () {
      var item = document.createElement("li");
      item.className = "v-notice";
      item.textContent = at.toISOString().slice(11, 23) + " " + text;
      return item;
    });
  }

  function addTrace(record) {
    addEntry(function () {
      var item = document.createElement("li");
      var m = record.message || {};
      var what = m.request || m.event || (m.errorMessage ? "failure" : m.frameId !== undefined ? "frameId" : (m.referenceId ? "response" : ""));
      item.className = "v-" + record.verdict;
      item.textContent = new Date(record.at).toISOString().slice(11, 23) + " " +
        (record.direction === "inbound" ? "→ " : "← ") + "frame-" + record.frame + " " + record.origin + " " +
        what + " [" + record.verdict + "] " + (record.reason || "");
      item.addEventListener("mouseenter", function () { item.title = JSON.stringify(m, null, 2); }, { once: true });
      return item;
    });
  }

  function post(path, body) {
    return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json(); }).then(refresh);
  }

  document.querySelectorAll("[data-post]").forEach(function (button) {
    button.onclick = function () { post(button.dataset.post, JSON.parse(button.dataset.body || "{}")); };
  });
  document.getElementById("clear-inspector").onclick = clearTimeline;
  document.getElementById("state-select").onchange = function (event) { post("/api/agent/state", { operationName: event.target.value }); };

  function actionButton(label, path, body) {
    var b = document.createElement("button");
    b.textContent = label;
    b.onclick = function () { post(path, body); };
    return b;
  }

  function render(state) {
    var agent = state.agent || {};
    document.getElementById("agent").textContent = (agent.firstname || "") + " " + (agent.lastname || "") + " (" + (agent.username || "") + ")";
    document.getElementById("agent-state").textContent = state.agentState || "";
    var select = document.getElementById("state-select");
    if (!select.options.length) {
      (state.states || []).forEach(function (s) {
        var option = document.createElement("option");
        option.value = s.operationName; option.textContent = s.displayName || s.operationName;
        select.appendChild(option);
      });
    }
    var body = document.querySelector("#interactions tbody");
    body.textContent = "";
    (state.interactions || []).forEach(function (i) {
      var row = body.insertRow();
      var party = (i.parties || [])[0] || {};
      var data = JSON.stringify(i.userData || {});
      [i.interactionId, i.media || "", i.state || "", i.ani || party.name || "", data.length > 90 ? data.slice(0, 90) + "…" : data].forEach(function (text) {
        row.insertCell().textContent = text;
      });
      row.title = JSON.stringify(i, null, 2);
      var cell = row.insertCell();
      (state.actions || ["answer", "hold", "resume", "hangup", "markdone"]).forEach(function (action) {
        cell.appendChild(actionButton(action, "/api/interactions/" + encodeURIComponent(i.interactionId) + "/" + action));
      });
    });
    var toasts = document.getElementById("toasts");
    toasts.textContent = "";
    (state.toasts || []).forEach(function (t) {
      var box = document.createElement("div");
      box.className = "toast";
      box.textContent = (t.title || "") + " — " + (t.message || "");
      (t.buttons || []).forEach(function (label, index) {
        box.appendChild(actionButton(label, "/api/toasts/" + encodeURIComponent(t.id) + "/click", { buttonIndex: index }));
      });
      toasts.appendChild(box);
    });
    var dialogs = document.getElementById("dialogs");
    dialogs.textContent = "";
    (state.dialogs || []).forEach(function (d) {
      var box = document.createElement("div");
      box.className = "dialog";
      box.textContent = "Dialog " + d.id + ": " + (d.label || "") + " " + d.url;
      dialogs.appendChild(box);
    });
    var views = document.getElementById("menu-views");
    views.textContent = "";
    (state.menuViews || []).forEach(function (v) {
      var pill = document.createElement("span");
      pill.className = "pill";
      pill.textContent = v.shortLabel || v.label || v.name;
      pill.title = v.tooltip || "";
      views.appendChild(pill);
    });
  }

  function refresh() {
    return api("/api/state").then(function (r) { return r.json(); }).then(render).catch(function () {});
  }

  api("/api/config").then(function (r) { return r.json(); }).then(function (config) {
    (config.apps || []).forEach(embed);
    connect();
  });
  refresh();
  setInterval(refresh, 1000);
})();
