// pyfritz dev: reload this page when a source of the project changes.
// `pyfritz dev` adds this file to every page it serves (a built site never has
// it). It is a file, not an inline script, so that a Content-Security-Policy
// without 'unsafe-inline' allows it.
const url = new URL("/_pyfritz/reload", location.href);
url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(url);
socket.addEventListener("message", (event) => {
  if (event.data === "reload") location.reload();
});
