"""How video players treat sound: feed players start muted, each with its own unmute toggle; every other player
(Create's result, the Remix original and result, Storyboard) plays its sound.

Gradio's ``gr.Video`` has no ``muted`` argument (6.31), and its player sets ``video.muted`` from its own props
whenever it re-renders. So a feed card's player carries the class :data:`FEED_VIDEO_CLASS`, and a small script
in the page's ``<head>`` (:data:`PLAYER_HEAD`, given to ``launch(head=…)``) mutes every ``<video>`` inside such
a player as it appears, adds a "🔇 unmute" button over it, and keeps it muted on every play or volume change
until that button is pressed (the person's choice is kept on the element, ``data-sound-on``).

>>> FEED_VIDEO_CLASS in PLAYER_HEAD and "muted = true" in PLAYER_HEAD
True
"""

from __future__ import annotations

FEED_VIDEO_CLASS = "feed-video"

PLAYER_HEAD = """
<style>
.__FEED_VIDEO_CLASS__ { position: relative; }
.feed-unmute { position: absolute; left: 8px; top: 8px; z-index: 20; padding: 2px 10px; border-radius: 999px;
  border: none; background: rgba(0, 0, 0, 0.6); color: #fff; font-size: 13px; cursor: pointer; }
</style>
<script>
(() => {
  // a scrolling feed must not blare: its players start muted, each with an unmute toggle of its own
  const label = (video) => (video.muted ? "🔇 unmute" : "🔊 mute");
  function adopt(video) {
    if (video.dataset.feedPlayer) return;
    video.dataset.feedPlayer = "1";
    video.defaultMuted = true;
    video.muted = true;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "feed-unmute";
    button.textContent = label(video);
    button.addEventListener("click", (event) => {
      event.stopPropagation();  // the player's own click would pause
      video.dataset.soundOn = video.muted ? "1" : "0";
      video.muted = !video.muted;
      button.textContent = label(video);
    });
    // Gradio's player re-applies its own muted prop (false) when it re-renders: put the person's choice back
    const keep = () => {
      if (video.dataset.soundOn !== "1" && !video.muted) video.muted = true;
      button.textContent = label(video);
    };
    for (const name of ["play", "loadeddata", "volumechange"]) video.addEventListener(name, keep);
    button.feedVideo = video;
    video.parentElement.appendChild(button);
  }
  function scan() {
    document.querySelectorAll(".__FEED_VIDEO_CLASS__ video").forEach(adopt);
    document.querySelectorAll(".feed-unmute").forEach((b) => { if (!b.feedVideo.isConnected) b.remove(); });
  }
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", scan);
})();
</script>
""".replace("__FEED_VIDEO_CLASS__", FEED_VIDEO_CLASS)
