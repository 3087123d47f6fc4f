// The call map: choosing a box shows its panel (the link's #target) and plays its sounds in order.
"use strict";

(() => {
  const player = document.getElementById("player");
  let lines = [];
  const playlist = new Playlist(player, (item, index) => {
    lines.forEach((line, i) => line.classList.toggle("now", i === index));
  });

  function choose(name) {
    document.querySelectorAll("svg a.node").forEach((node) => {
      node.classList.toggle("chosen", node.dataset.node === name);
    });
  }

  function play(name) {
    const panel = document.getElementById("hear-" + name);
    if (!panel) return;
    choose(name);
    lines = Array.from(panel.querySelectorAll("li.sound"));
    playlist.play(lines.map((line) => JSON.parse(line.dataset.sound)));
  }

  document.querySelectorAll("svg a[data-node]").forEach((link) => {
    link.addEventListener("click", () => play(link.dataset.node));
  });
  document.querySelectorAll("button.play").forEach((button) => {
    button.addEventListener("click", () => play(button.dataset.play));
  });
  document.querySelectorAll("button.stop").forEach((button) => {
    button.addEventListener("click", () => playlist.stop());
  });
  if (location.hash.startsWith("#hear-")) choose(decodeURIComponent(location.hash.slice(6)));
})();
