// Tornado's chat.js without jQuery: post with the XSRF token, and receive
// new messages by long polling (POST /a/message/updates with the last
// cursor) or, with ?ws in the address, over the WebSocket /chatsocket.
"use strict";

function xsrf() {
  const m = document.cookie.match("\\b_xsrf=([^;]*)\\b");
  return m ? decodeURIComponent(m[1]) : "";
}

let cursor = "";
const seen = document.querySelectorAll("#inbox .message");
if (seen.length) cursor = seen[seen.length - 1].id.slice(1);

function show(messages) {
  for (const m of messages) {
    if (document.getElementById("m" + m.id)) continue;
    const tmp = document.createElement("div");
    tmp.innerHTML = m.html; // rendered and escaped by the server
    document.getElementById("inbox").append(tmp.firstElementChild);
    cursor = m.id;
  }
}

const useWS = new URLSearchParams(location.search).has("ws");
let socket = null;
if (useWS) {
  document.getElementById("transport").textContent = "WebSocket";
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + "/chatsocket");
  socket.onmessage = (event) => show(JSON.parse(event.data).messages);
} else {
  (async function poll() {
    for (;;) {
      try {
        const body = new URLSearchParams({cursor, _xsrf: xsrf()});
        const r = await fetch("/a/message/updates", {method: "POST", body});
        if (!r.ok) throw new Error(r.status);
        show((await r.json()).messages);
      } catch (e) {
        await new Promise((ok) => setTimeout(ok, 1000));
      }
    }
  })();
}

document.getElementById("messageform").onsubmit = async (event) => {
  event.preventDefault();
  const input = document.getElementById("message");
  if (!input.value) return;
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({body: input.value}));
  } else {
    const r = await fetch("/a/message/new", {method: "POST", body: new URLSearchParams({body: input.value, _xsrf: xsrf()})});
    show([await r.json()]);
  }
  input.value = "";
};
