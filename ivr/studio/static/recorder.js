// The record page: record a prompt with the microphone, listen back, then keep the take or retry.
"use strict";

(() => {
  const canRecord = !!(navigator.mediaDevices && window.MediaRecorder);
  const progress = document.getElementById("progress");
  let stream = null;
  let active = null; // the row recording now: one at a time

  if (!canRecord) {
    document.getElementById("mic-note").hidden = false;
    return;
  }

  function show(row, names) {
    for (const name of ["record", "stop-take", "preview", "keep", "retry"]) {
      row.querySelector("." + name).hidden = !names.includes(name);
    }
  }

  function preferredType() {
    for (const type of ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"]) {
      if (MediaRecorder.isTypeSupported(type)) return type;
    }
    return "";
  }

  async function start(row) {
    if (active && active !== row) stop(active);
    const message = row.querySelector(".take-message");
    try {
      stream = stream || await navigator.mediaDevices.getUserMedia({audio: true});
    } catch (error) {
      message.textContent = "The microphone is not available: " + error.message;
      return;
    }
    const type = preferredType();
    const recorder = new MediaRecorder(stream, type ? {mimeType: type} : {});
    const chunks = [];
    const began = Date.now();
    const elapsed = row.querySelector(".elapsed");
    row.recorder = recorder;
    row.take = null;
    active = row;
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", () => {
      clearInterval(row.clock);
      row.take = new Blob(chunks, {type: recorder.mimeType || type});
      const preview = row.querySelector(".preview");
      preview.src = URL.createObjectURL(row.take);
      show(row, ["preview", "keep", "retry"]);
      row.classList.remove("recording");
      row.querySelector(".keep").focus();
    });
    recorder.start(250);
    row.classList.add("recording");
    message.textContent = "";
    show(row, ["stop-take"]);
    row.querySelector(".stop-take").focus();
    row.clock = setInterval(() => {
      elapsed.textContent = ((Date.now() - began) / 1000).toFixed(1) + " s";
      elapsed.dataset.seconds = String((Date.now() - began) / 1000);
    }, 100);
  }

  function stop(row) {
    if (row.recorder && row.recorder.state === "recording") row.recorder.stop();
    if (active === row) active = null;
  }

  async function keep(row) {
    const message = row.querySelector(".take-message");
    const keepButton = row.querySelector(".keep");
    keepButton.disabled = true;
    message.textContent = "Saving and building…";
    try {
      const response = await fetch(row.dataset.keep, {
        method: "POST",
        headers: {"Content-Type": row.take.type.split(";")[0]},
        body: row.take,
      });
      const data = await response.json().catch(() => ({error: response.status + " " + response.statusText}));
      if (!response.ok) {
        message.textContent = "Not kept: " + data.error;
        return;
      }
      message.textContent = data.message;
      progress.textContent = data.progress;
      const badge = row.querySelector(".badge.state");
      badge.textContent = data.state === "earlier" ? "recorded for an earlier text" : "recorded";
      badge.className = "badge state " + (data.state === "earlier" ? "warn" : "ok");
      row.dataset.quality = data.quality || "";
      if (data.url) {
        const current = row.querySelector("audio.current");
        current.src = data.url;
        current.hidden = false;
        row.querySelector(".meta.built").textContent = "recorded · " + data.quality;
      }
      show(row, ["record"]);
      row.querySelector(".elapsed").textContent = "";
    } catch (error) {
      message.textContent = "The studio did not answer: " + error;
    } finally {
      keepButton.disabled = false;
    }
  }

  document.querySelectorAll("li.take-row").forEach((row) => {
    show(row, ["record"]);
    row.querySelector(".record").addEventListener("click", () => start(row));
    row.querySelector(".stop-take").addEventListener("click", () => stop(row));
    row.querySelector(".retry").addEventListener("click", () => start(row));
    row.querySelector(".keep").addEventListener("click", () => keep(row));
  });
})();
