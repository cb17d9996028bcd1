// The interview room: asks the server for connection details when the candidate
// presses Join, and says plainly what happens next.
"use strict";

(function () {
  const room = document.getElementById("room");
  if (!room) return;
  const join = document.getElementById("join");
  const status = document.getElementById("room-status");

  join.addEventListener("click", async () => {
    join.disabled = true;
    status.textContent = "Preparing your interview room…";
    let response, body = null;
    try {
      response = await fetch("/api/connection-details", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: room.dataset.token }),
      });
      body = await response.json().catch(() => null);
    } catch (_) {
      status.textContent = "We could not reach the server. Please check your connection and try again.";
      join.disabled = false;
      return;
    }
    if (!response.ok) {
      const error = body && body.error;
      if (error && error.code === "livekit_not_configured") {
        status.textContent = "This server does not have live interviews configured yet. Please contact the recruiter.";
      } else {
        status.textContent = (error && error.message) || "Something went wrong. Please try again.";
        join.disabled = false;
      }
      return;
    }
    room.dataset.room = body.roomName;
    status.textContent = `Your room is ready (${body.roomName}). The in-browser voice client is not part of this version yet.`;
  });
})();
