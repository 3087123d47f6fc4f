// The phone page: a call to the line's own webhooks, played turn by turn; a key interrupts the playing.
"use strict";

(() => {
  const callButton = document.getElementById("call");
  const hangupButton = document.getElementById("hangup");
  const silenceButton = document.getElementById("silence");
  const keys = Array.from(document.querySelectorAll("button.key"));
  const transcript = document.getElementById("transcript");
  const status = document.getElementById("status");
  let call = null;
  let lines = [];
  let busy = false;

  const playlist = new Playlist(document.getElementById("player"), (item, index) => {
    lines.forEach((line, i) => line.classList.toggle("now", i === index));
    if (item && item.key) status.textContent = "Now playing: " + item.key;
    else if (index >= 0 && call) status.textContent = "Waiting for a key.";
  });

  function setWaiting(waiting) {
    keys.forEach((button) => { button.disabled = !waiting; });
    silenceButton.disabled = !waiting;
    hangupButton.disabled = !call;
    callButton.disabled = !!call;
  }

  function addTurn(title, sounds) {
    const turn = document.createElement("li");
    turn.className = "turn";
    const heading = document.createElement("p");
    heading.className = "pressed";
    heading.textContent = title;
    turn.appendChild(heading);
    const list = document.createElement("ol");
    lines = sounds.map((sound) => {
      const line = document.createElement("li");
      line.className = "sound " + sound.verb;
      const words = document.createElement("span");
      words.className = "words";
      words.dir = "auto";
      if (sound.lang) words.lang = sound.lang;
      words.textContent = describe(sound);
      line.appendChild(words);
      const meta = document.createElement("span");
      meta.className = "meta";
      if (sound.key) meta.textContent = sound.key + (sound.seconds != null ? " · " + sound.seconds.toFixed(1) + " s" : "");
      else if (sound.verb === "say") meta.textContent = "no audio yet";
      line.appendChild(meta);
      list.appendChild(line);
      return line;
    });
    turn.appendChild(list);
    transcript.appendChild(turn);
    turn.scrollIntoView({block: "nearest"});
  }

  function describe(sound) {
    if (sound.verb === "dial") return "The call is transferred to " + sound.words + ".";
    if (sound.verb === "hangup") return "The line hangs up.";
    if (sound.verb === "pause") return "(silence)";
    return sound.words;
  }

  async function send(url, form, title) {
    busy = true;
    setWaiting(false);
    try {
      const response = await fetch(url, {method: "POST", body: form});
      const data = await response.json().catch(() => ({error: response.status + " " + response.statusText}));
      if (!response.ok) {
        status.textContent = data.error || "The studio could not place this call.";
        if (response.status === 404) call = null;
        setWaiting(false);
        return;
      }
      call = data.ended ? null : data.call;
      addTurn(title, data.sounds);
      playlist.play(data.sounds);
      if (data.ended) status.textContent = "The call has ended.";
      setWaiting(data.waiting);
    } catch (error) {
      status.textContent = "The studio did not answer: " + error;
    } finally {
      busy = false;
    }
  }

  function press(key) {
    if (!call || busy) return;
    playlist.stop(); // barge-in: a key stops the prompt, as on a real phone
    const form = new FormData();
    form.append("keys", key);
    send("/phone/calls/" + encodeURIComponent(call) + "/keys", form,
         key ? "You pressed " + key : "You pressed nothing");
  }

  callButton.addEventListener("click", () => {
    transcript.replaceChildren();
    status.textContent = "Calling…";
    send("/phone/calls", new FormData(), "The line answers");
  });
  hangupButton.addEventListener("click", () => {
    playlist.stop();
    const ended = call;
    call = null;
    setWaiting(false);
    status.textContent = "You hung up.";
    // The line hears of it as from Twilio's status callback, and counts where the call ended (Stats page).
    if (ended) fetch("/phone/calls/" + encodeURIComponent(ended) + "/hangup", {method: "POST"}).catch(() => {});
  });
  keys.forEach((button) => button.addEventListener("click", () => press(button.dataset.key)));
  silenceButton.addEventListener("click", () => press(""));
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select")) return;
    if (/^[0-9*#]$/.test(event.key) && call) {
      event.preventDefault();
      press(event.key);
    }
  });
})();
