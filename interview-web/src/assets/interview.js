// The interview room. With the local transport it streams the microphone to the
// server over a WebSocket, plays the interviewer's speech without gaps, shows a live
// transcript and the interviewer's state, and lets the candidate answer by typing.
"use strict";

(function () {
  const room = document.getElementById("room");
  if (!room) return;
  const $ = (id) => document.getElementById(id);
  const token = room.dataset.token;
  // The router's root, wherever it is mounted: the page says how to get there.
  const base = new URL(`${document.body.dataset.base || ".."}/`, location.href);
  const transport = room.dataset.transport;
  const join = $("join");
  const status = $("room-status");

  // Counters the browser tests read: what was sent and what was played.
  const stats = { sentSamples: 0, playedChunks: 0, playedSamples: 0, transcript: [], log: [] };
  window.__interview = stats;

  const STATES = {
    connecting: "Connecting…",
    listening: "Listening",
    thinking: "Thinking…",
    speaking: "Speaking",
    ended: "The interview has ended. Thank you!",
    left: "You left the interview.",
  };
  function setState(state) {
    const el = $("agent-state");
    el.dataset.state = state;
    el.textContent = STATES[state] || state;
  }

  function addLine(speaker, text) {
    const item = document.createElement("li");
    item.className = speaker === "candidate" ? "line candidate" : "line interviewer";
    const who = document.createElement("span");
    who.className = "speaker";
    who.textContent = speaker === "candidate" ? "You" : "Interviewer";
    const what = document.createElement("span");
    what.className = "text";
    what.textContent = text;
    item.append(who, what);
    $("transcript").append(item);
    item.scrollIntoView({ block: "nearest" });
    stats.transcript.push({ speaker, text });
  }

  // After a dropped connection the button reconnects: the server kept the
  // interview, and a fresh page resumes it where it stopped.
  let reconnecting = false;
  join.addEventListener("click", () => {
    if (reconnecting) {
      location.reload();
      return;
    }
    join.disabled = true;
    const start = transport === "local" ? startLocal : transport === "livekit" ? startLiveKit : null;
    if (start) {
      start().catch((error) => {
        status.textContent = `Could not start the interview: ${error.message || error}`;
        join.disabled = false;
      });
    } else {
      status.textContent = "Live interviews are not configured on this server. Please contact the recruiter.";
    }
  });

  async function startLocal() {
    status.textContent = "Connecting…";
    const context = new AudioContext();
    await context.resume();
    let outputRate = 24000;
    let nextStart = 0;
    const playing = new Set();

    const address = new URL(`ws/interview/${encodeURIComponent(token)}`, base);
    address.protocol = address.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(address);
    socket.binaryType = "arraybuffer";
    // Why the server will not hold the interview here (a second tab, a finished
    // interview...), and whether the interview itself ended.
    let refusal = null;
    let ended = false;
    let leaving = false;

    function play(buffer) {
      const pcm = new Int16Array(buffer);
      if (pcm.length === 0) return;
      const samples = new Float32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 0x8000;
      const audio = context.createBuffer(1, samples.length, outputRate);
      audio.copyToChannel(samples, 0);
      const source = context.createBufferSource();
      source.buffer = audio;
      source.connect(context.destination);
      // Chunks are queued back to back: each starts where the previous one ends.
      const start = Math.max(context.currentTime + 0.05, nextStart);
      source.start(start);
      nextStart = start + audio.duration;
      playing.add(source);
      source.onended = () => playing.delete(source);
      stats.playedChunks += 1;
      stats.playedSamples += pcm.length;
    }

    function clearPlayback() {
      for (const source of playing) {
        try { source.stop(); } catch (_) { /* already stopped */ }
      }
      playing.clear();
      nextStart = 0;
    }

    socket.addEventListener("open", () => stats.log.push("open"));
    socket.addEventListener("message", (event) => {
      stats.log.push(typeof event.data === "string" ? event.data.slice(0, 60) : `binary ${event.data.byteLength}`);
      if (typeof event.data !== "string") {
        play(event.data);
        return;
      }
      let message;
      try { message = JSON.parse(event.data); } catch (_) { return; }
      if (message.type === "error") {
        refusal = message.message || "This interview cannot be joined now.";
        status.textContent = refusal;
      } else if (message.type === "ready") {
        outputRate = message.outputSampleRate || outputRate;
        $("live").hidden = false;
        join.hidden = true;
        status.textContent = "";
        setState("listening");
        startMicrophone(context, socket, message.inputSampleRate || 16000);
      } else if (message.type === "clear") {
        clearPlayback();
      } else if (message.type === "notice") {
        const notice = parseNotice(message.data);
        status.textContent = notice.message;
        // A transient notice is about one message: it goes once the next answer
        // is taken. Any other says why the interview cannot go on here.
        if (notice.transient) transientNotice = notice.message;
        else refusal = notice.message;
      } else {
        if (message.type === "agent_state" && String(message.data).includes("ended")) ended = true;
        handleMessage(message.type, message.data);
      }
    });

    socket.addEventListener("close", (event) => {
      stats.log.push(`close ${event.code}`);
      clearPlayback();
      $("answer").disabled = true;
      $("answer-form").hidden = true;
      if (refusal) {
        // The server said why; the page says it, and offers nothing that cannot work.
        status.textContent = refusal;
        setState("ended");
        join.hidden = true;
      } else if (ended) {
        setState("ended");
      } else if (leaving) {
        setState("left");
        status.textContent = "Your interview is kept: you can come back to it with the same link while it is open.";
        reconnecting = true;
        join.textContent = "Rejoin interview";
        join.hidden = false;
        join.disabled = false;
      } else {
        setState("connecting");
        status.textContent = "The connection was lost. Your interview is kept: reconnect to continue where you left off.";
        reconnecting = true;
        join.textContent = "Reconnect";
        join.hidden = false;
        join.disabled = false;
      }
    });

    $("answer-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("answer").value.trim();
      if (!text || socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify({ type: "text", text }));
      $("answer").value = "";
    });
    $("leave").addEventListener("click", () => {
      leaving = true;
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "leave" }));
      socket.close();
    });
  }

  // A notice is `{"code","message","transient"?}` as JSON text.
  function parseNotice(data) {
    try {
      const notice = JSON.parse(data);
      if (notice && notice.message) {
        return { message: String(notice.message), transient: notice.transient === true };
      }
    } catch (_) { /* plain text */ }
    return { message: String(data), transient: false };
  }

  // A notice about one message ("too fast"), shown until the conversation moves on.
  let transientNotice = "";
  function clearTransientNotice() {
    if (transientNotice && status.textContent === transientNotice) status.textContent = "";
    transientNotice = "";
  }

  // The transcript and state messages are the same on both transports.
  function handleMessage(type, data) {
    if (type === "agent_state") {
      // {"state":"listening"}, or a bare state name.
      let state = data;
      try {
        const parsed = JSON.parse(data);
        if (parsed && typeof parsed === "object" && parsed.state) state = parsed.state;
      } catch (_) { /* a bare name */ }
      setState(String(state));
    } else if (type === "notice") {
      status.textContent = parseNotice(data).message;
    } else if (type === "transcript") {
      let line = data;
      try { line = JSON.parse(data); } catch (_) { /* plain text */ }
      clearTransientNotice();
      if (line && typeof line === "object") addLine(line.speaker, line.text);
      else addLine("interviewer", String(line));
    }
  }

  // The LiveKit browser SDK, pinned: the browser refuses the file if its hash differs.
  const LIVEKIT_SDK = {
    url: "https://cdn.jsdelivr.net/npm/livekit-client@2.23.0/dist/livekit-client.umd.js",
    integrity: "sha384-HkA7rQNo8H04l1p4zoXX1Cy+h9YoYp8LvKt4vfMFhv4KFk07UkrNwIUnyBum8Pw6",
  };

  function loadLiveKit() {
    if (window.LivekitClient) return Promise.resolve(window.LivekitClient);
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = LIVEKIT_SDK.url;
      script.integrity = LIVEKIT_SDK.integrity;
      script.crossOrigin = "anonymous";
      script.onload = () => resolve(window.LivekitClient);
      script.onerror = () => reject(new Error("the LiveKit client could not be loaded"));
      document.head.append(script);
    });
  }

  async function startLiveKit() {
    status.textContent = "Preparing your interview room…";
    const response = await fetch(new URL("api/connection-details", base), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error((body && body.error && body.error.message) || "the room could not be prepared");
    }
    const LK = await loadLiveKit();
    const livekitRoom = new LK.Room({ adaptiveStream: true, dynacast: true });
    const decoder = new TextDecoder();
    livekitRoom.on(LK.RoomEvent.TrackSubscribed, (track) => {
      if (track.kind === "audio") {
        const element = track.attach();
        element.dataset.remoteAudio = "";
        document.body.append(element);
        stats.playedChunks += 1;
      }
    });
    livekitRoom.on(LK.RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
      handleMessage(topic, decoder.decode(payload));
    });
    livekitRoom.on(LK.RoomEvent.Disconnected, () => {
      setState("ended");
      $("answer").disabled = true;
    });
    await livekitRoom.connect(body.serverUrl, body.participantToken);
    $("live").hidden = false;
    join.hidden = true;
    status.textContent = "";
    setState("listening");
    if (room.dataset.hearsSpeech !== "false") {
      try {
        await livekitRoom.localParticipant.setMicrophoneEnabled(true);
      } catch (_) {
        status.textContent = "The microphone is not available, so please answer by typing.";
      }
    }
    $("answer-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("answer").value.trim();
      if (!text) return;
      const message = new TextEncoder().encode(JSON.stringify({ type: "text", text }));
      await livekitRoom.localParticipant.publishData(message, { reliable: true, topic: "answer" });
      $("answer").value = "";
    });
    $("leave").addEventListener("click", () => livekitRoom.disconnect());
  }

  async function startMicrophone(context, socket, inputRate) {
    if (room.dataset.hearsSpeech === "false") return;
    try {
      stats.log.push("microphone: asking");
      const media = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
      stats.log.push("microphone: granted");
      await context.audioWorklet.addModule(new URL("assets/mic-worklet.js", base));
      stats.log.push("microphone: capturing");
      const source = context.createMediaStreamSource(media);
      const capture = new AudioWorkletNode(context, "mic-capture", { processorOptions: { targetRate: inputRate } });
      capture.port.onmessage = (event) => {
        if (socket.readyState === WebSocket.OPEN) {
          socket.send(event.data);
          stats.sentSamples += event.data.byteLength / 2;
        }
      };
      // The node must be pulled by the graph to run; a silent gain keeps it from
      // playing the candidate back to themselves.
      const mute = context.createGain();
      mute.gain.value = 0;
      source.connect(capture).connect(mute).connect(context.destination);
    } catch (error) {
      stats.log.push(`microphone: ${error.name || error}`);
      status.textContent = "The microphone is not available, so please answer by typing.";
    }
  }
})();
