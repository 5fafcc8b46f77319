// @ts-check
// The host page: embeds the configured apps, relays their postMessage traffic to the engine
// over /relay (tagged with the browser-verified event.origin and the frame it came from),
// posts replies back to each frame with its exact origin, and shows the simulated desktop.
// The formats it speaks are the generated declarations of the emulator's protocols; CI
// type-checks this file against them (tools/consumer-check).

/** @typedef {import("../../../../schema/typescript/emulator.js").Action} Action */
/** @typedef {import("../../../../schema/typescript/emulator.js").AgentOperation} AgentOperation */
/** @typedef {import("../../../../schema/typescript/emulator.js").DesktopState} DesktopState */
/** @typedef {import("../../../../schema/typescript/emulator.js").ErrorBody} ErrorBody */
/** @typedef {import("../../../../schema/typescript/emulator.js").FromPage} FromPage */
/** @typedef {import("../../../../schema/typescript/emulator.js").HostConfig} HostConfig */
/** @typedef {import("../../../../schema/typescript/emulator.js").ToPage} ToPage */
/** @typedef {import("../../../../schema/typescript/emulator.js").TraceRecord} TraceRecord */
/** @typedef {import("../../../../schema/typescript/emulator.js").TestFile} TestFile */
/** @typedef {import("../../../../schema/typescript/emulator.js").ViewConfig} ViewConfig */
/** @typedef {import("../../../../schema/typescript/emulator.js").Interaction} Interaction */
/** @typedef {import("../../../../schema/typescript/emulator.js").TabView} TabView */

(function () {
  "use strict";
  /**
   * A relayed frame. Its page gets nothing until it has spoken: what the relay sends for it
   * before (the frame-id handshake) is held, so a page whose script starts late, or is still
   * loading when the handshake comes, receives exactly one handshake before anything else.
   * `view`: the option-file view it shows (the server restricts a view in its own tab).
   * @typedef {{ window: Window | null, origin: string, spoke: boolean, view: string | undefined,
   *             references: string[], held: Array<{ data: unknown, targetOrigin: string }> }} Frame
   */
  /** @type {Record<string, Frame>} */
  var frames = {};          // frame id -> Frame
  /** @type {Record<string, HTMLElement>} */
  var dialogBoxes = {};     // dialog id -> its box on the page
  /** Messages held for a frame that has not spoken yet, at most. */
  var HELD_PER_FRAME = 64;
  /** The latest referenceIds a frame's page sent, kept to recognise a new page. */
  var REFERENCES_PER_FRAME = 64;
  /** @type {WebSocket | null} */
  var socket = null;
  /** @type {FromPage[]} */
  var queue = [];
  // A reload keeps its Workspace tab; any other load is a tab of its own, even when the
  // browser copied this session storage into it (window.open, "Duplicate tab").
  var navigation = /** @type {PerformanceNavigationTiming | undefined} */ (performance.getEntriesByType("navigation")[0]);
  var reloaded = navigation !== undefined && navigation.type === "reload";
  var tab = (reloaded && sessionStorage.getItem("agentdesk-tab")) || ("tab-" + Math.random().toString(36).slice(2, 10));
  sessionStorage.setItem("agentdesk-tab", tab);
  var selftest = new URLSearchParams(location.search).has("selftest");
  // `serve --token` prints the page URL with the run's token; the relay and the API need it.
  var token = new URLSearchParams(location.search).get("token");
  var tokenQuery = token ? "?token=" + encodeURIComponent(token) : "";

  /**
   * @param {string} path
   * @param {RequestInit} [init]
   */
  function api(path, init) {
    init = init || {};
    if (token) init.headers = Object.assign({ "x-agentdesk-token": token }, init.headers || {});
    return fetch(path, init);
  }

  /** @param {string} id */
  function byId(id) {
    var element = document.getElementById(id);
    if (!element) throw new Error("host page: no element #" + id);
    return element;
  }

  /** @param {FromPage} frame */
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    else queue.push(frame);
  }

  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/relay" + tokenQuery);
    socket = ws;
    ws.onopen = function () {
      setStatus(true);
      // Registering every known frame covers both the first connection and a reconnection,
      // so queued registrations are dropped; messages the apps posted meanwhile follow them.
      Object.keys(frames).forEach(function (id) {
        var known = frames[id];
        if (known) send(registration(id, known));
      });
      queue.splice(0).filter(function (frame) { return frame.type !== "register"; }).forEach(send);
    };
    ws.onclose = function () { setStatus(false); setTimeout(connect, 1000); };
    ws.onmessage = function (event) {
      var message = /** @type {ToPage} */ (JSON.parse(event.data));
      if (message.type === "post") {
        var target = frames[message.frame];
        // Only ever to an exact origin: "*" would hand the message to whatever page the
        // window shows by now, and "null" (opaque) cannot be addressed at all.
        if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(message.targetOrigin || "")) {
          console.warn("relay: not posting to target origin", message.targetOrigin);
        } else if (target && !target.spoke) {
          if (target.held.length < HELD_PER_FRAME) {
            target.held.push({ data: message.data, targetOrigin: message.targetOrigin });
          }
        } else if (target && target.window) {
          target.window.postMessage(message.data, message.targetOrigin);
        }
      } else if (message.type === "trace") {
        addTrace(message.record);
      } else if (message.type === "state") {
        render(message.state);
      } else if (message.type === "error") {
        console.warn("relay:", message.message);
        addNotice("relay: " + message.message);
      }
    };
  }

  /** @param {boolean} up */
  function setStatus(up) {
    var el = byId("relay-status");
    el.textContent = up ? "relay: connected" : "relay: disconnected";
    el.className = up ? "pill" : "pill off";
  }

  /**
   * @param {string} id
   * @param {Window | null} win
   * @param {string} url
   * @param {string} [view]
   */
  function register(id, win, url, view) {
    var origin = new URL(url, location.href).origin;
    frames[id] = { window: win, origin: origin, spoke: false, view: view, references: [], held: [] };
    send(registration(id, frames[id]));
  }

  /**
   * @param {string} id
   * @param {Frame} known
   * @returns {FromPage}
   */
  function registration(id, known) {
    /** @type {FromPage} */
    var frame = { type: "register", frame: id, origin: known.origin, tab: tab };
    if (known.view !== undefined) frame.view = known.view;
    return frame;
  }

  /**
   * The referenceId of a message a page posted, and whether it echoes a frame id.
   * @param {unknown} data
   */
  function envelope(data) {
    if (typeof data !== "object" || data === null) return { reference: null, echoes: false };
    var record = /** @type {Record<string, unknown>} */ (data);
    var reference = typeof record.referenceId === "string" ? record.referenceId : null;
    return { reference: reference, echoes: "frameId" in record };
  }

  /**
   * Whether a message comes from a new page in the frame's window (a reload): it does not
   * echo a frame id, and its referenceId is one the frame's page already used. Genesys's
   * library counts referenceIds up from 0 for the life of a page, so a new page starts
   * again where an old one had been; an old page's messages that crossed its handshake
   * carry new referenceIds.
   * @param {Frame} known
   * @param {{ reference: string | null, echoes: boolean }} message
   */
  function fromNewPage(known, message) {
    if (message.echoes || message.reference === null) return false;
    var reference = message.reference;
    var number = Number(reference);
    return known.references.some(function (seen) {
      var earlier = Number(seen);
      return seen === reference || (reference !== "" && seen !== "" && !isNaN(number) && !isNaN(earlier) && number <= earlier);
    });
  }

  // A frame is known by its window, whatever page it shows: event.origin tells the relay
  // which page spoke, and the relay connects a page of a new origin as a new frame. (The
  // iframe load event is no signal to reset on: it fires after the new page's scripts ran.
  // A reload of the same origin shows instead in its first message: see fromNewPage.)
  window.addEventListener("message", function (event) {
    var id = Object.keys(frames).find(function (key) {
      var known = frames[key];
      return known !== undefined && known.window === event.source;
    });
    var known = id === undefined ? undefined : frames[id];
    if (id === undefined || !known) return;
    var message = envelope(event.data);
    if (known.spoke && fromNewPage(known, message)) {
      // A reload: the new page is a new frame, with a handshake of its own (posted at once,
      // before the answer to this message) and none of the old page's subscriptions.
      known.references = [];
      known.held = [];
      known.origin = event.origin;
      send(registration(id, known));
    }
    if (message.reference !== null) {
      known.references.push(message.reference);
      if (known.references.length > REFERENCES_PER_FRAME) known.references.shift();
    }
    known.origin = event.origin;
    if (!known.spoke) {
      known.spoke = true;
      var win = known.window;
      known.held.splice(0).forEach(function (held) {
        if (win) win.postMessage(held.data, held.targetOrigin);
      });
    }
    send({ type: "message", frame: id, origin: event.origin, data: event.data });
  });

  /**
   * A box with a title bar and a frame showing `src`, added to `parent`.
   * @param {HTMLElement} parent
   * @param {string} label
   * @param {string} src
   */
  function frameBox(parent, label, src) {
    var box = document.createElement("div");
    box.className = "app";
    var bar = document.createElement("div");
    bar.className = "bar";
    var title = document.createElement("strong");
    title.textContent = label;
    bar.appendChild(title);
    var iframe = document.createElement("iframe");
    iframe.src = src;
    iframe.title = label;
    box.appendChild(bar);
    box.appendChild(iframe);
    parent.appendChild(box);
    return { box: box, bar: bar, iframe: iframe };
  }

  /**
   * An app of the main panel (`--app`, the demo app).
   * @param {string} url
   * @param {number} index
   */
  function embed(url, index) {
    var id = "app-" + index;
    var src = new URL(url, location.href);
    if (selftest) src.searchParams.set("selftest", "1");
    var made = frameBox(byId("main-panel"), url, src.toString());
    var popupButton = document.createElement("button");
    popupButton.textContent = "open in popup";
    made.bar.appendChild(popupButton);
    register(id, made.iframe.contentWindow, src.toString());
    popupButton.onclick = function () {
      var popup = window.open(src.toString(), id + "-popup", "width=700,height=600");
      if (popup) register(id + "-popup", popup, src.toString());
    };
  }

  // Views of the option file. Workspace level: a tab of their own in the strip above the
  // apps, a popup window, or loaded out of sight (background, hidden). Interaction level: one
  // frame per interaction, made when it appears, shown while it is the selected interaction
  // (tab, background) or never (hidden), removed with it.
  /** @type {ViewConfig[]} */
  var configuredViews = [];
  /** @type {Record<string, HTMLElement>} */
  var interactionViewBoxes = {};  // frame id -> its box
  /** @type {string | null} */
  var selectedInteraction = null;
  /** The interactions of the last state drawn. @type {string[]} */
  var knownInteractions = [];

  /**
   * The title bar's notes for a view: its mode, the dial-only rule, an unaccepted origin.
   * @param {ViewConfig} view
   * @param {HTMLElement} bar
   */
  function describeView(view, bar) {
    var mode = document.createElement("span");
    mode.className = "pill view-mode";
    mode.textContent = view.level + " " + view.mode + (view.dialOnly ? ", dial only" : "");
    bar.appendChild(mode);
    if (!view.accepted) {
      var warning = document.createElement("span");
      warning.className = "warning";
      warning.textContent = "origin not accepted by service-client-api.accepted-web-content-origins: its requests go unanswered";
      bar.appendChild(warning);
    }
  }

  /**
   * @param {string} id
   * @param {Window | null} win
   * @param {string} url
   * @param {ViewConfig} view
   */
  function registerView(id, win, url, view) {
    register(id, win, url, view.section);
    if (!view.accepted) {
      addNotice("view " + view.section + ": its origin is not accepted by service-client-api.accepted-web-content-origins; its requests go unanswered");
    }
  }

  /** @param {string} panel */
  function showPanel(panel) {
    Array.from(document.querySelectorAll("#apps > [data-panel]")).forEach(function (element) {
      /** @type {HTMLElement} */ (element).hidden = element.getAttribute("data-panel") !== panel;
    });
    Array.from(document.querySelectorAll("#view-tabs button")).forEach(function (button) {
      button.classList.toggle("selected", button.getAttribute("data-panel") === panel);
    });
  }

  /** @param {ViewConfig[]} views */
  function embedViews(views) {
    configuredViews = views;
    var tabs = byId("view-tabs");
    /** @param {string} label @param {string} panel */
    function tabButton(label, panel) {
      var button = document.createElement("button");
      button.textContent = label;
      button.setAttribute("data-panel", panel);
      button.onclick = function () { showPanel(panel); };
      tabs.appendChild(button);
    }
    tabButton("Main", "main");
    views.filter(function (v) { return v.level === "workspace"; }).forEach(function (view) {
      var id = "view-" + view.section;
      var src = new URL(view.url, location.href).toString();
      if (view.mode === "popup") {
        var popup = window.open(src, id, "width=700,height=600");
        if (popup) {
          registerView(id, popup, src, view);
        } else {
          var reopen = document.createElement("button");
          reopen.textContent = "open " + view.label + " (popup blocked)";
          reopen.onclick = function () {
            var again = window.open(src, id, "width=700,height=600");
            if (again) { registerView(id, again, src, view); reopen.remove(); }
          };
          tabs.appendChild(reopen);
        }
        return;
      }
      var holder = document.createElement("div");
      holder.className = view.mode === "tab" ? "view-panel" : "out-of-sight";
      if (view.mode === "tab") {
        holder.setAttribute("data-panel", "view:" + view.section);
        tabButton(view.label, "view:" + view.section);
      }
      byId("apps").appendChild(holder);
      var made = frameBox(holder, view.label, src);
      describeView(view, made.bar);
      registerView(id, made.iframe.contentWindow, src, view);
    });
    showPanel("main");
  }

  /**
   * An interaction view's URL for `interaction`.
   * @param {ViewConfig} view
   * @param {Interaction} interaction
   */
  function interactionUrl(view, interaction) {
    /** @type {Record<string, string | null | undefined>} */
    var values = {
      "Interaction.Id": interaction.interactionId,
      "Interaction.CaseId": interaction.caseId,
      "Interaction.BundleId": interaction.bundleId,
    };
    var url = view.url.replace(/\$(Interaction\.(?:Id|CaseId|BundleId))\$/g, function (_, name) {
      return encodeURIComponent(values[name] || "");
    });
    return new URL(url, location.href).toString();
  }

  /** @param {Interaction[]} interactions */
  function followInteractions(interactions) {
    var ids = interactions.map(function (i) { return i.interactionId; });
    // A new interaction comes to the front, as in Workspace; when the selected one goes, the
    // newest left is selected.
    var arrived = ids.filter(function (id) { return knownInteractions.indexOf(id) < 0; });
    if (arrived.length) {
      selectedInteraction = arrived[arrived.length - 1] || null;
    } else if (selectedInteraction === null || ids.indexOf(selectedInteraction) < 0) {
      selectedInteraction = ids.length ? ids[ids.length - 1] || null : null;
    }
    knownInteractions = ids;
    var views = configuredViews.filter(function (v) { return v.level === "interaction"; });
    var wanted = {};
    interactions.forEach(function (interaction) {
      views.forEach(function (view) {
        var id = "view-" + view.section + "-" + interaction.interactionId;
        /** @type {Record<string, boolean>} */ (wanted)[id] = true;
        var box = interactionViewBoxes[id];
        if (!box) {
          var src = interactionUrl(view, interaction);
          var made = frameBox(byId("interaction-views"), view.label + " — interaction " + interaction.interactionId, src);
          made.box.setAttribute("data-interaction", interaction.interactionId);
          made.box.setAttribute("data-mode", view.mode);
          describeView(view, made.bar);
          if (view.mode === "popup") {
            made.box.remove();
            var popup = window.open(src, id, "width=700,height=600");
            if (popup) registerView(id, popup, src, view);
            return;
          }
          interactionViewBoxes[id] = made.box;
          registerView(id, made.iframe.contentWindow, src, view);
          box = made.box;
        }
        box.hidden = view.mode === "hidden" || interaction.interactionId !== selectedInteraction;
      });
    });
    Object.keys(interactionViewBoxes).forEach(function (id) {
      if (/** @type {Record<string, boolean>} */ (wanted)[id]) return;
      var gone = interactionViewBoxes[id];
      if (gone) gone.remove();
      delete interactionViewBoxes[id];
      send({ type: "unregister", frame: id });
      delete frames[id];
    });
  }

  // The inspector's timeline is drawn a few times a second, not once per relayed message: an
  // app making calls in a row had its answers wait behind a redraw of the whole list for each
  // message. Entries keep their order and their time of arrival; at most TIMELINE_ENTRIES are
  // kept, waiting or drawn, and an entry's full message (its tooltip) is written out only when
  // the pointer first rests on it.
  var TIMELINE_ENTRIES = 300;
  var TIMELINE_DRAW_MS = 250;
  /** @type {Array<() => HTMLLIElement>} */
  var waiting = [];
  /** @type {ReturnType<typeof setTimeout> | null} */
  var drawTimer = null;

  /** @param {() => HTMLLIElement} make */
  function addEntry(make) {
    waiting.push(make);
    if (waiting.length > TIMELINE_ENTRIES) waiting.splice(0, waiting.length - TIMELINE_ENTRIES);
    if (drawTimer === null) drawTimer = setTimeout(drawTimeline, TIMELINE_DRAW_MS);
  }

  function drawTimeline() {
    drawTimer = null;
    var list = byId("timeline");
    var fragment = document.createDocumentFragment();
    waiting.splice(0).forEach(function (make) {
      var item = make();
      // Rows scrolled out of view cost nothing to lay out and paint.
      item.style.contentVisibility = "auto";
      item.style.containIntrinsicSize = "auto 16px";
      fragment.insertBefore(item, fragment.firstChild);
    });
    list.insertBefore(fragment, list.firstChild);
    while (list.children.length > TIMELINE_ENTRIES && list.lastChild) list.removeChild(list.lastChild);
  }

  function clearTimeline() {
    waiting = [];
    byId("timeline").textContent = "";
  }

  /** @param {string} text */
  function addNotice(text) {
    var at = new Date();
    addEntry(function () {
      var item = document.createElement("li");
      item.className = "v-notice";
      item.textContent = at.toISOString().slice(11, 23) + " " + text;
      return item;
    });
  }

  /**
   * What a traced Service Client API message is, in a word.
   * @param {Record<string, unknown>} m
   */
  function traceKind(m) {
    if (typeof m.request === "string") return m.request;
    if (typeof m.event === "string") return m.event;
    if (m.errorMessage) return "failure";
    if (m.frameId !== undefined) return "frameId";
    return m.referenceId ? "response" : "";
  }

  /** @param {TraceRecord} record */
  function addTrace(record) {
    addEntry(function () {
      var item = document.createElement("li");
      var m = /** @type {Record<string, unknown>} */ (record.message !== null && typeof record.message === "object" ? record.message : {});
      item.className = "v-" + record.verdict;
      item.textContent = new Date(record.at).toISOString().slice(11, 23) + " " +
        (record.direction === "inbound" ? "→ " : "← ") + "frame-" + record.frame + " " + record.origin + " " +
        traceKind(m) + " [" + record.verdict + "] " + (record.reason || "");
      item.addEventListener("mouseenter", function () { item.title = JSON.stringify(m, null, 2); }, { once: true });
      return item;
    });
  }

  /**
   * Applies an action to the simulated desktop, then shows the desktop again.
   * @param {Action} action
   */
  function act(action) {
    // A refusal (4xx, an ErrorBody) or a lost server is shown in the inspector, not swallowed.
    return api("/api/actions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(action) })
      .then(function (r) {
        // The new state arrives over the relay.
        if (r.ok) return;
        return r.json().then(function (/** @type {ErrorBody} */ body) {
          addNotice("control API refused " + action.action + ": " + body.error);
        });
      })
      .catch(function (/** @type {unknown} */ error) { addNotice("control API: " + String(error)); });
  }

  // "Record test": the server records the actions and the apps' requests; stopping downloads
  // the test file `agentdesk-server test` replays.
  var recording = false;
  var recordButton = byId("record");
  recordButton.onclick = function () {
    var path = recording ? "/api/recording/stop" : "/api/recording/start";
    api(path, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
      .then(function (r) {
        if (!r.ok) {
          return r.json().then(function (/** @type {ErrorBody} */ body) {
            addNotice("control API refused recording: " + body.error);
          });
        }
        if (!recording) {
          recording = true;
          recordButton.textContent = "Stop and download test";
          recordButton.classList.add("recording");
          return;
        }
        recording = false;
        recordButton.textContent = "Record test";
        recordButton.classList.remove("recording");
        return r.json().then(function (/** @type {TestFile} */ test) {
          download("recorded-test.json", JSON.stringify(test, null, 2));
        });
      })
      .catch(function (/** @type {unknown} */ error) { addNotice("control API: " + String(error)); });
  };

  /**
   * @param {string} name
   * @param {string} text
   */
  function download(name, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  /**
   * @param {string} label
   * @param {Action} action
   */
  function actionButton(label, action) {
    var b = document.createElement("button");
    b.textContent = label;
    b.onclick = function () { act(action); };
    return b;
  }

  /** The simulation buttons: what the outside world does. @type {Array<[string, Action]>} */
  var SIMULATE = [
    ["Inbound call", { action: "incoming-call", ani: "+15551234567", userData: { Key1: "VIP", Segment: "Gold" } }],
    ["Inbound chat", { action: "customer-message", customer: "Ada", message: "Hello, I need help" }],
    ["Pull preview", { action: "preview-record", mode: "pull" }],
    ["Push preview", { action: "preview-record", mode: "push" }],
    ["Direct push preview", { action: "preview-record", mode: "direct" }],
    ["Campaign start", { action: "campaign", campaign: "Offer of the Month", step: "start" }],
    ["Campaign stop", { action: "campaign", campaign: "Offer of the Month", step: "stop" }],
    ["Connection lost", { action: "connection", change: "lost" }],
    ["Reconnected", { action: "connection", change: "recovered" }],
    ["Session down", { action: "connection", change: "down" }],
  ];

  /** What the agent can do to each listed interaction. @type {AgentOperation[]} */
  var OPERATIONS = ["answer", "hold", "resume", "hangup", "markdone"];

  var simulate = byId("simulate");
  SIMULATE.forEach(function (entry) { simulate.appendChild(actionButton(entry[0], entry[1])); });
  byId("clear-inspector").onclick = clearTimeline;
  var stateSelect = /** @type {HTMLSelectElement} */ (byId("state-select"));
  stateSelect.onchange = function () { act({ action: "agent-state", operationName: stateSelect.value }); };

  /** The desktop as the server last sent it. @type {DesktopState | null} */
  var lastState = null;

  /** @param {DesktopState} state */
  function render(state) {
    lastState = state;
    var agent = state.agent;
    byId("agent").textContent = (agent.firstname || "") + " " + (agent.lastname || "") + " (" + (agent.username || "") + ")";
    byId("agent-state").textContent = state.agentState || "";
    if (!stateSelect.options.length) {
      (state.states || []).forEach(function (s) {
        var option = document.createElement("option");
        option.value = s.operationName || ""; option.textContent = s.displayName || s.operationName || "";
        stateSelect.appendChild(option);
      });
    }
    var body = /** @type {HTMLTableSectionElement} */ (document.querySelector("#interactions tbody"));
    body.textContent = "";
    followInteractions(state.interactions);
    state.interactions.forEach(function (i) {
      var row = body.insertRow();
      if (i.interactionId === selectedInteraction) row.className = "selected";
      row.onclick = function () {
        selectedInteraction = i.interactionId;
        if (lastState) render(lastState);
      };
      var party = (i.parties || [])[0] || {};
      var data = JSON.stringify(i.userData || {});
      var from = i.ani || (typeof party.name === "string" ? party.name : "");
      [i.interactionId, i.media || "", i.state || "", from, data.length > 90 ? data.slice(0, 90) + "…" : data].forEach(function (text) {
        row.insertCell().textContent = text;
      });
      row.title = JSON.stringify(i, null, 2);
      var cell = row.insertCell();
      OPERATIONS.forEach(function (operation) {
        cell.appendChild(actionButton(operation, { action: "agent", interactionId: i.interactionId, operation: operation }));
      });
    });
    renderUserData(state.interactions);
    renderTabs(state.tabs || []);
    var toasts = byId("toasts");
    toasts.textContent = "";
    state.toasts.forEach(function (t) {
      var box = document.createElement("div");
      box.className = "toast";
      box.textContent = (t.title || "") + " — " + (t.message || "");
      (t.buttons || []).forEach(function (label, index) {
        box.appendChild(actionButton(label, { action: "toast-click", toastId: t.id, buttonIndex: index }));
      });
      toasts.appendChild(box);
    });
    // Dialogs load their page once, as a frame of their own that may use the API; a dialog
    // closed by the API goes away with its frame.
    var open = state.dialogs.map(function (d) { return d.id; });
    Object.keys(dialogBoxes).forEach(function (id) {
      var box = dialogBoxes[id];
      if (open.indexOf(id) < 0 && box) {
        box.remove();
        delete dialogBoxes[id];
        delete frames["dialog-" + id];
      }
    });
    state.dialogs.forEach(function (d) {
      if (dialogBoxes[d.id]) return;
      var box = document.createElement("div");
      box.className = "dialog";
      var title = document.createElement("strong");
      title.textContent = (d.label || "Dialog") + " (" + d.id + ")";
      var iframe = document.createElement("iframe");
      iframe.src = new URL(d.url, location.href).toString();
      iframe.title = d.label || d.id;
      box.appendChild(title);
      box.appendChild(iframe);
      byId("dialogs").appendChild(box);
      dialogBoxes[d.id] = box;
      register("dialog-" + d.id, iframe.contentWindow, iframe.src);
    });
    var views = byId("menu-views");
    views.textContent = "";
    state.menuViews.forEach(function (v) {
      var pill = document.createElement("span");
      pill.className = "pill";
      pill.textContent = v.shortLabel || v.label || v.name;
      pill.title = v.tooltip || "";
      views.appendChild(pill);
    });
  }

  /**
   * The selected interaction's user data, key by key.
   * @param {Interaction[]} interactions
   */
  function renderUserData(interactions) {
    var selected = interactions.find(function (i) { return i.interactionId === selectedInteraction; });
    byId("user-data-of").textContent = selected ? "(interaction " + selected.interactionId + ")" : "";
    var body = /** @type {HTMLTableSectionElement} */ (document.querySelector("#user-data tbody"));
    body.textContent = "";
    var data = (selected && selected.userData) || {};
    Object.keys(data).sort().forEach(function (key) {
      var row = body.insertRow();
      row.insertCell().textContent = key;
      var value = /** @type {Record<string, unknown>} */ (data)[key];
      row.insertCell().textContent = typeof value === "string" ? value : JSON.stringify(value);
    });
  }

  /**
   * The session's tabs: this page is one; others are other host pages or simulated tabs.
   * @param {TabView[]} tabs
   */
  function renderTabs(tabs) {
    var body = /** @type {HTMLTableSectionElement} */ (document.querySelector("#tabs tbody"));
    body.textContent = "";
    tabs.forEach(function (t) {
      var row = body.insertRow();
      row.insertCell().textContent = t.id + (t.id === tab ? " (this page)" : "") + (t.lastActive ? " · last active" : "");
      row.insertCell().textContent = String(t.frameState);
      var cell = row.insertCell();
      cell.appendChild(actionButton("focus", { action: "focus-tab", tab: t.id }));
      cell.appendChild(actionButton("close", { action: "close-tab", tab: t.id }));
    });
  }

  var tabButtons = byId("tab-buttons");
  var openPage = document.createElement("button");
  openPage.textContent = "Open another host page";
  // noopener: the new page gets a session storage, and so a tab id, of its own.
  openPage.onclick = function () { window.open(location.href, "_blank", "noopener"); };
  tabButtons.appendChild(openPage);
  var simulatedTab = document.createElement("button");
  simulatedTab.textContent = "Simulated tab";
  simulatedTab.onclick = function () { act({ action: "open-tab", tab: "simulated-" + Math.random().toString(36).slice(2, 8) }); };
  tabButtons.appendChild(simulatedTab);
  // Closing this page closes its Workspace tab: the server does it when the page's relay
  // socket ends.

  function refresh() {
    return api("/api/state").then(function (r) { return r.json(); }).then(render).catch(function () {});
  }

  api("/api/config").then(function (r) { return r.json(); }).then(function (/** @type {HostConfig} */ config) {
    config.apps.forEach(embed);
    embedViews(config.views || []);
    connect();
  });
  // The relay sends the desktop when it opens and whenever it changes; this first read only
  // draws the page before the socket is up.
  refresh();
})();
