// Plays a list of sounds in order through one <audio> element, as the line chains its <Play> verbs.
// Words with no audio stay on screen for about the time they would take to say. stop() is barge-in.
"use strict";

class Playlist {
  constructor(audio, onSound) {
    this.audio = audio;
    this.onSound = onSound || (() => {});
    this.items = [];
    this.index = -1;
    this.round = 0; // bumped by stop(): a late event from an interrupted sound is ignored
    this.timer = null;
    audio.addEventListener("ended", () => this.next(this.round));
    audio.addEventListener("error", () => { if (audio.getAttribute("src")) this.next(this.round); });
  }

  play(items) {
    this.stop();
    this.items = items;
    this.next(this.round);
  }

  next(round) {
    if (round !== this.round) return;
    clearTimeout(this.timer);
    this.index += 1;
    const item = this.items[this.index];
    this.onSound(item || null, this.index);
    if (!item) return;
    if (item.url) {
      this.audio.src = item.url;
      this.audio.play().catch(() => this.next(round));
    } else {
      const words = (item.words || "").length;
      const wait = item.verb === "pause" ? 1000 * (parseFloat(item.words) || 1) : Math.min(8000, 600 + 55 * words);
      this.timer = setTimeout(() => this.next(round), wait);
    }
  }

  stop() {
    this.round += 1;
    clearTimeout(this.timer);
    this.audio.pause();
    this.items = [];
    this.index = -1;
    this.onSound(null, -1);
  }
}

window.Playlist = Playlist;
