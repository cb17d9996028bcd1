// The interview room. With the local transport it streams the microphone to the
// server over a WebSocket, plays the interviewer's speech without gaps and tells the
// server what it has played (the interviewer is speaking until then), shows a live
// transcript with captions in step with the speech, the interviewer's state, the
// stage and the time left, a microphone level meter, and lets the candidate answer
// by typing (Enter sends, Shift+Enter starts a new line).
//
// Over LiveKit it speaks LiveKit's agent conventions: the interviewer's state is its
// participant attribute `lk.agent.state`, both sides' words arrive as text streams on
// `lk.transcription`, typed answers go out as text on `lk.chat`, and the avatar's
// video (when there is one) is shown. Only the stage, notices and the end of the
// interview come as data packets (`progress`, `notice`, `agent_state`), with the
// same JSON as over the local WebSocket. Both transports render through the same
// functions (`setState`, `addCaption`, `showLine`, `handleMessage`).
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
  const stats = {
    sentSamples: 0, playedChunks: 0, playedSamples: 0, acknowledged: 0,
    transcript: [], captions: [], states: [], progress: null, micLevel: 0, micPeak: 0, log: [],
    videoTracks: 0, sentAnswers: [],
  };
  window.__interview = stats;

  const STATES = {
    connecting: "Connecting…",
    initializing: "The interviewer is getting ready…",
    listening: "Listening",
    thinking: "Thinking…",
    speaking: "Speaking",
    ended: "The interview has ended. Thank you!",
    left: "You left the interview.",
  };
  function setState(state) {
    const el = $("agent-state");
    if (el.dataset.state !== state) stats.states.push({ state, at: performance.now() });
    el.dataset.state = state;
    el.textContent = STATES[state] || state;
  }

  function newLine(speaker, lineId) {
    const item = document.createElement("li");
    item.className = speaker === "candidate" ? "line candidate" : "line interviewer";
    if (lineId !== undefined) item.dataset.line = String(lineId);
    const who = document.createElement("span");
    who.className = "speaker";
    who.textContent = speaker === "candidate" ? "You" : "Interviewer";
    const what = document.createElement("span");
    what.className = "text";
    item.append(who, what);
    $("transcript").append(item);
    return item;
  }

  function lineElement(lineId) {
    return lineId === undefined || lineId === null
      ? null
      : $("transcript").querySelector(`li[data-line="${CSS.escape(String(lineId))}"]`);
  }

  // A whole line. An interviewer's line whose captions are already shown replaces
  // them (the same words, unless speech was cut off).
  function addLine(speaker, text, lineId) {
    const item = lineElement(lineId) || newLine(speaker, lineId);
    const what = item.querySelector(".text");
    if (what.textContent !== text) what.textContent = text;
    item.dataset.final = "true";
    item.scrollIntoView({ block: "nearest" });
    stats.transcript.push({ speaker, text });
  }

  // A whole line of the transcript, which also ends a notice about the last answer.
  function showLine(speaker, text, lineId) {
    clearTransientNotice();
    addLine(speaker, text, lineId);
  }

  // One sentence of the interviewer's line, shown as its speech starts to play.
  // Each sentence is a text node of its own, so a screen reader reads only the new one.
  function addCaption(lineId, text) {
    const item = lineElement(lineId) || newLine("interviewer", lineId);
    if (item.dataset.final === "true") return;
    const what = item.querySelector(".text");
    what.append(document.createTextNode(what.textContent ? ` ${text}` : text));
    item.scrollIntoView({ block: "nearest" });
    stats.captions.push({ line: lineId, text, at: performance.now() });
  }

  // The interviewer's line so far, as LiveKit sends it (the whole line each time, not
  // what was added): what is new is shown as a caption. An update that arrives late,
  // shorter than what is shown, changes nothing; one that does not continue it
  // replaces the text.
  function showLineSoFar(lineId, text) {
    const item = lineElement(lineId);
    if (item && item.dataset.final === "true") return;
    const what = item && item.querySelector(".text");
    const shown = what ? what.textContent : "";
    if (what && shown.startsWith(text)) return;
    if (text.startsWith(shown)) {
      const added = text.slice(shown.length).trim();
      if (added) addCaption(lineId, added);
    } else {
      what.textContent = "";
      addCaption(lineId, text);
    }
  }

  // The stage and the time left: the server sends them now and then, the page
  // counts down in between.
  let progressDeadline = 0;
  let progressTimer = 0;
  function showProgress(progress) {
    stats.progress = progress;
    const box = $("interview-progress");
    if (!box) return;
    box.hidden = false;
    const stage = `Stage ${progress.number} of ${progress.count}: ${progress.stage}`;
    if ($("stage-name").textContent !== stage) $("stage-name").textContent = stage;
    const bar = $("stage-progress");
    bar.max = progress.count;
    bar.value = progress.number;
    bar.setAttribute("aria-valuetext", stage);
    progressDeadline = Date.now() + Math.max(0, Number(progress.remaining_secs) || 0) * 1000;
    showTimeLeft();
    if (!progressTimer) progressTimer = setInterval(showTimeLeft, 1000);
  }
  function showTimeLeft() {
    const left = Math.max(0, Math.round((progressDeadline - Date.now()) / 1000));
    const minutes = Math.ceil(left / 60);
    const text = left === 0
      ? "The planned time is up; the interviewer will wrap up."
      : left < 60
        ? "Less than a minute left"
        : `About ${minutes} minute${minutes === 1 ? "" : "s"} left`;
    const el = $("time-left");
    if (el.textContent !== text) el.textContent = text;
  }
  function stopProgress() {
    clearInterval(progressTimer);
    progressTimer = 0;
  }

  // Enter sends the answer, Shift+Enter starts a new line; after sending, the
  // box keeps the focus for the next answer.
  const answerBox = $("answer");
  answerBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("answer-form").requestSubmit();
    }
  });
  function answerSent() {
    answerBox.value = "";
    answerBox.focus();
    // While the interviewer speaks, answers wait for it to finish: say so, until
    // the conversation moves on.
    const state = $("agent-state").dataset.state;
    const waiting = {
      speaking: "Received. The interviewer will reply when it has finished speaking.",
      thinking: "Received. The interviewer will reply to everything you sent at once.",
    }[state];
    if (waiting) {
      transientNotice = waiting;
      status.textContent = waiting;
    }
  }

  // The microphone level, so the candidate sees it works, before joining and during
  // the interview (only where the interviewer listens to speech).
  const meter = {
    context: null, stream: null, timer: 0, heard: false,
    async start(stream) {
      if (!$("mic-level") || this.stream === stream) return;
      this.stop();
      this.stream = stream;
      this.context = new AudioContext();
      const analyser = this.context.createAnalyser();
      analyser.fftSize = 1024;
      this.context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      $("mic-check").hidden = false;
      // The meter runs from now on: nothing left to test.
      if ($("mic-test")) $("mic-test").hidden = true;
      let quietSince = performance.now();
      this.timer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const s of samples) sum += s * s;
        const rms = Math.sqrt(sum / samples.length);
        // -60 dBFS (silence) to 0 dBFS on a 0..1 scale.
        const level = Math.max(0, Math.min(1, (20 * Math.log10(rms + 1e-9) + 60) / 60));
        stats.micLevel = level;
        stats.micPeak = Math.max(stats.micPeak, level);
        const el = $("mic-level");
        el.value = level;
        el.setAttribute("aria-valuetext", level > 0.35 ? "sound heard" : "quiet");
        const note = $("mic-note");
        if (level > 0.35) {
          quietSince = performance.now();
          if (!this.heard) {
            this.heard = true;
            note.textContent = "Your microphone works: we can hear you.";
          }
        } else if (!this.heard && performance.now() - quietSince > 6000 && !note.textContent) {
          note.textContent = "No sound yet. Check that your microphone is on and not muted, then say a few words.";
        }
      }, 100);
      await this.context.resume().catch(() => {});
    },
    stop() {
      clearInterval(this.timer);
      this.timer = 0;
      if (this.context) this.context.close().catch(() => {});
      this.context = null;
      this.stream = null;
    },
  };

  // The microphone, asked for once: by the check before joining or when joining.
  let micStream = null;
  async function microphone() {
    if (!micStream) {
      micStream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    }
    return micStream;
  }
  const micTest = $("mic-test");
  if (micTest) {
    micTest.addEventListener("click", async () => {
      micTest.disabled = true;
      try {
        await meter.start(await microphone());
        micTest.hidden = true;
      } catch (error) {
        $("mic-check").hidden = false;
        $("mic-note").textContent = "The microphone is not available. You can still answer by typing.";
        micTest.disabled = false;
      }
    });
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
    // Speech messages are numbered from 1 on this connection; the server hears
    // back the number of each once it has played.
    let received = 0;
    let acknowledged = 0;

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
      const seq = ++received;
      source.onended = () => {
        playing.delete(source);
        acknowledge(seq);
      };
      stats.playedChunks += 1;
      stats.playedSamples += pcm.length;
    }

    function acknowledge(seq) {
      if (seq <= acknowledged || socket.readyState !== WebSocket.OPEN) return;
      acknowledged = seq;
      stats.acknowledged = seq;
      socket.send(JSON.stringify({ type: "played", seq }));
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
        stats.outputRate = outputRate;
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
      stopProgress();
      $("answer").disabled = true;
      $("answer-form").hidden = true;
      if (refusal || ended) meter.stop();
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
      answerSent();
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
      const notice = parseNotice(data);
      status.textContent = notice.message;
      if (notice.transient) transientNotice = notice.message;
    } else if (type === "transcript") {
      let line = data;
      try { line = JSON.parse(data); } catch (_) { /* plain text */ }
      if (line && typeof line === "object") showLine(line.speaker, String(line.text), line.line);
      else showLine("interviewer", String(line));
    } else if (type === "caption") {
      try {
        const caption = JSON.parse(data);
        if (caption && caption.text) addCaption(caption.line, String(caption.text));
      } catch (_) { /* not a caption */ }
    } else if (type === "progress") {
      try {
        const progress = JSON.parse(data);
        if (progress && progress.stage) showProgress(progress);
      } catch (_) { /* not progress */ }
    }
  }

  // The LiveKit browser SDK, served by this server (a pinned release, see
  // scripts/update-livekit-client.sh) and loaded only for interviews over LiveKit;
  // the browser refuses the file if its hash differs from the page's.
  function loadLiveKit() {
    if (window.LivekitClient) return Promise.resolve(window.LivekitClient);
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = room.dataset.livekitSdk;
      if (room.dataset.livekitSdkIntegrity) script.integrity = room.dataset.livekitSdkIntegrity;
      script.onload = () => resolve(window.LivekitClient);
      script.onerror = () => reject(new Error("the LiveKit client could not be loaded"));
      document.head.append(script);
    });
  }

  // LiveKit's names for the agent's state, its transcriptions and typed input.
  const LK_STATE = "lk.agent.state";
  const LK_TRANSCRIPTION = "lk.transcription";
  const LK_CHAT = "lk.chat";

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
    // Over on this page: the interview ended, or the candidate left or lost the room.
    let over = false;
    let leaving = false;
    const video = $("avatar-video");
    let shownVideo = null;

    // The interviewer's state, from its attribute, until the interview has ended.
    function agentState(participant) {
      if (over || !participant || participant === livekitRoom.localParticipant) return;
      const state = participant.attributes && participant.attributes[LK_STATE];
      if (state) setState(state);
    }
    livekitRoom.on(LK.RoomEvent.ParticipantAttributesChanged, (changed, participant) => {
      if (changed && LK_STATE in changed) agentState(participant);
    });
    livekitRoom.on(LK.RoomEvent.ParticipantConnected, agentState);

    // The interviewer's voice plays from audio elements; a video (the avatar, which
    // may be published by a participant other than the agent) goes in the page's
    // muted video box, shown while there is one.
    livekitRoom.on(LK.RoomEvent.TrackSubscribed, (track) => {
      if (track.kind === "audio") {
        const element = track.attach();
        element.dataset.remoteAudio = "";
        document.body.append(element);
        stats.playedChunks += 1;
      } else if (track.kind === "video") {
        if (shownVideo) shownVideo.detach(video);
        shownVideo = track;
        track.attach(video);
        video.muted = true;
        $("avatar").hidden = false;
        stats.videoTracks += 1;
      }
    });
    livekitRoom.on(LK.RoomEvent.TrackUnsubscribed, (track) => {
      if (track.kind === "audio") {
        for (const element of track.detach()) element.remove();
      } else if (track.kind === "video" && track === shownVideo) {
        track.detach(video);
        shownVideo = null;
        $("avatar").hidden = true;
      }
    });

    // Transcriptions: the interviewer's line so far while it is spoken, then the
    // whole line; the candidate's own words once final. One segment id per line.
    function fromCandidate(identity, attributes) {
      const local = livekitRoom.localParticipant;
      if (identity === local.identity) return true;
      const track = attributes["lk.transcribed_track_id"];
      return Boolean(track) && [...local.trackPublications.values()].some((p) => p.trackSid === track);
    }
    livekitRoom.registerTextStreamHandler(LK_TRANSCRIPTION, async (reader, participantInfo) => {
      const info = reader.info || {};
      const attributes = info.attributes || {};
      let text;
      try {
        text = await reader.readAll();
      } catch (error) {
        // A stream cut off (the sender left): its line comes whole, or not at all.
        stats.log.push(`transcription: ${error.message || error}`);
        return;
      }
      const segment = attributes["lk.segment_id"] || info.id;
      const final = attributes["lk.transcription_final"] === "true";
      if (fromCandidate(participantInfo && participantInfo.identity, attributes)) {
        if (final && text.trim()) showLine("candidate", text, segment);
      } else if (final) {
        showLine("interviewer", text, segment);
      } else if (text.trim()) {
        showLineSoFar(segment, text);
      }
    });

    // Our page's extras, as JSON data packets: the stage, notices, and the end.
    livekitRoom.on(LK.RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
      if (!["progress", "notice", "agent_state"].includes(topic)) return;
      const data = decoder.decode(payload);
      if (topic === "agent_state" && data.includes("ended")) {
        handleMessage(topic, data);
        finish("ended");
        return;
      }
      // Only the end comes this way; the state itself is the attribute.
      if (topic !== "agent_state") handleMessage(topic, data);
    });

    // Nothing more can be sent here; `state` says why.
    function finish(state) {
      if (!over) {
        over = true;
        setState(state);
      }
      stopProgress();
      meter.stop();
      $("answer").disabled = true;
      $("answer-form").hidden = true;
    }
    // LiveKit reconnects by itself through short drops: a disconnection is the
    // candidate leaving, the end, or a connection given up on (or taken over by
    // another tab). The interview is kept, as over the WebSocket: the button joins
    // it again.
    livekitRoom.on(LK.RoomEvent.Disconnected, (reason) => {
      const lost = !over && !leaving;
      finish(leaving ? "left" : lost ? "connecting" : "ended");
      if (shownVideo) shownVideo.detach(video);
      shownVideo = null;
      $("avatar").hidden = true;
      if (!lost && !leaving) return;
      const replaced = LK.DisconnectReason !== undefined && reason === LK.DisconnectReason.DUPLICATE_IDENTITY;
      if (leaving) {
        status.textContent = "Your interview is kept: you can come back to it with the same link while it is open.";
        join.textContent = "Rejoin interview";
      } else {
        status.textContent = replaced
          ? "The interview was opened in another window. To continue here, reconnect."
          : "The connection was lost. Your interview is kept: reconnect to continue where you left off.";
        join.textContent = "Reconnect";
      }
      reconnecting = true;
      join.hidden = false;
      join.disabled = false;
    });

    await livekitRoom.connect(body.serverUrl, body.participantToken);
    $("live").hidden = false;
    join.hidden = true;
    status.textContent = "";
    // The interviewer may be in the room already, its state set.
    for (const participant of livekitRoom.remoteParticipants.values()) agentState(participant);
    if (room.dataset.hearsSpeech !== "false") {
      try {
        await livekitRoom.localParticipant.setMicrophoneEnabled(true);
        const publication = livekitRoom.localParticipant.getTrackPublication(LK.Track.Source.Microphone);
        const track = publication && publication.track && publication.track.mediaStreamTrack;
        if (track) meter.start(new MediaStream([track]));
      } catch (_) {
        status.textContent = "The microphone is not available, so please answer by typing.";
      }
    }
    $("answer-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("answer").value.trim();
      if (!text || over) return;
      try {
        await livekitRoom.localParticipant.sendText(text, { topic: LK_CHAT });
      } catch (_) {
        status.textContent = "Your answer could not be sent. Please send it again.";
        return;
      }
      stats.sentAnswers.push(text);
      answerSent();
    });
    $("leave").addEventListener("click", () => {
      leaving = true;
      livekitRoom.disconnect();
    });
  }

  async function startMicrophone(context, socket, inputRate) {
    if (room.dataset.hearsSpeech === "false") return;
    try {
      stats.log.push("microphone: asking");
      const media = await microphone();
      stats.log.push("microphone: granted");
      meter.start(media);
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
