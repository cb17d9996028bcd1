// Microphone capture for the local interview transport: resamples whatever rate the
// audio context runs at to 16 kHz mono and posts 20 ms frames of signed 16-bit PCM.
"use strict";

class MicCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.targetRate = (options.processorOptions && options.processorOptions.targetRate) || 16000;
    this.step = sampleRate / this.targetRate; // input samples per output sample
    this.position = 0; // fractional read position into the pending input
    this.pending = new Float32Array(0);
    this.frame = new Int16Array(this.targetRate / 50);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    // Append the new block to what is left of the previous one.
    const input = new Float32Array(this.pending.length + channel.length);
    input.set(this.pending, 0);
    input.set(channel, this.pending.length);
    let pos = this.position;
    while (pos + 1 < input.length) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const value = input[i] * (1 - frac) + input[i + 1] * frac;
      const clamped = Math.max(-1, Math.min(1, value));
      this.frame[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
      if (this.filled === this.frame.length) {
        const out = this.frame;
        this.port.postMessage(out.buffer, [out.buffer]);
        this.frame = new Int16Array(this.targetRate / 50);
        this.filled = 0;
      }
      pos += this.step;
    }
    const keep = Math.floor(pos);
    this.pending = input.slice(keep);
    this.position = pos - keep;
    return true;
  }
}

registerProcessor("mic-capture", MicCapture);
