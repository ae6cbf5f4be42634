/* Click-to-load videos.
 *
 * The Blogger importer writes each YouTube or Vimeo embed of an old post as
 * <div class="video-embed" data-embed-src="PLAYER" data-embed-title="TITLE">
 * holding a link to the video's page (techblog/blogger/markdown.py), so a page
 * requests nothing from the video host when it loads. This adds a "Play here"
 * button to each; a click puts the player (an iframe of PLAYER) in its place.
 * Without JavaScript, the link still leads to the video.
 */
(function () {
  "use strict";
  // The sanitiser keeps no other data-embed-src; checked again, as this loads it.
  var PLAYER = /^https:\/\/(?:www\.youtube-nocookie\.com\/embed\/[\w-]+|player\.vimeo\.com\/video\/\d+)$/;

  function play(box, src, button) {
    var frame = document.createElement("iframe");
    frame.src = src + "?autoplay=1"; // the reader asked for it: start playing
    frame.title = box.getAttribute("data-embed-title") || "Video";
    frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    box.insertBefore(frame, box.firstChild);
    box.removeChild(button);
    box.classList.add("video-embed-playing");
    frame.focus();
  }

  function offer(box) {
    var src = box.getAttribute("data-embed-src") || "";
    if (!PLAYER.test(src) || box.querySelector(".video-play, iframe")) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "video-play";
    button.textContent = "Play here";
    button.setAttribute("aria-label", "Play here: " + (box.getAttribute("data-embed-title") || "video"));
    button.addEventListener("click", function () {
      play(box, src, button);
    });
    box.appendChild(button);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".video-embed[data-embed-src]"), offer);
})();
