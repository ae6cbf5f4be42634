/* Live comments (Isso) that never hold the page up.
 *
 * Added to every page, deferred, when conf.py's techblog_comments_server is
 * set (the address is this tag's data-comments-server). On a post it asks
 * the comment server for its /config first; only when that answers does it
 * load Isso's embed script into #isso-thread. If the server is down, slow or
 * refuses this site, the thread's box (height reserved in techblog.css) says
 * comments are unavailable instead. On listings it asks the server for the
 * counts of the "Comments" links' threads itself, in one POST /count (what
 * Isso's count.min.js does, without its 52 KB), or leaves the links as they
 * are.
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 6000;
  var script = document.currentScript;
  var server = ((script && script.getAttribute("data-comments-server")) || "").replace(/\/+$/, "");
  var thread = document.getElementById("isso-thread");
  var counts = document.querySelector("a.comment-count");
  if (!server || (!thread && !counts)) {
    return;
  }
  var section = thread ? thread.closest(".techblog-live-comments") : null;

  // Isso's options; the server's own settings (moderation, reply
  // notifications, required fields) still win, Isso fetches them itself.
  var options = {
    "data-isso": server,
    "data-isso-css": "true",
    "data-isso-lang": document.documentElement.lang || "en",
    "data-isso-vote": "false",
    "data-isso-gravatar": "false", // no requests to a third party
    "data-isso-avatar": "true", // identicons drawn locally
    "data-isso-sorting": "oldest",
    "data-isso-num-comments-text-en": "One comment\n{{ n }} comments",
    "data-isso-no-comments-text-en": "No comments yet",
  };

  function show(state) {
    if (!section) {
      return;
    }
    section.setAttribute("data-comments-state", state);
    section.querySelector(".comments-loading").hidden = true;
    section.querySelector(".comments-unavailable").hidden = state !== "unavailable";
    thread.hidden = state === "unavailable";
  }

  function loadScript(name) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      Object.keys(options).forEach(function (key) {
        tag.setAttribute(key, options[key]);
      });
      tag.src = server + "/js/" + name;
      tag.onload = resolve;
      tag.onerror = function () {
        reject(new Error("could not load " + tag.src));
      };
      document.head.appendChild(tag);
    });
  }

  // Isso titles the thread (its comment count) with an h4, right under the
  // section's h2: one level down for screen readers, not two (axe: heading-order).
  function levelHeading() {
    var heading = thread.querySelector(".isso-thread-heading");
    if (heading) {
      heading.setAttribute("aria-level", "3");
    }
    return heading;
  }
  if (thread) {
    new MutationObserver(function (records, observer) {
      if (levelHeading()) {
        observer.disconnect();
      }
    }).observe(thread, { childList: true, subtree: true });
  }

  var controller = new AbortController();
  var timer = setTimeout(function () {
    controller.abort();
  }, TIMEOUT_MS);

  function answer(response) {
    if (!response.ok) {
      throw new Error("comment server answered " + response.status);
    }
    return response.json();
  }

  // As Isso's count.min.js words them (options above: One comment / {{ n }} comments).
  function countText(n) {
    var forms = options["data-isso-num-comments-text-en"].split("\n");
    return (n === 1 ? forms[0] : forms[1]).replace("{{ n }}", String(n));
  }

  function showCounts() {
    var links = Array.prototype.slice.call(document.querySelectorAll("a.comment-count[data-isso-id]"));
    var ids = [];
    links.forEach(function (link) {
      var id = link.getAttribute("data-isso-id");
      if (ids.indexOf(id) < 0) {
        ids.push(id);
      }
    });
    return fetch(server + "/count", {
      signal: controller.signal,
      mode: "cors",
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ids),
    })
      .then(answer)
      .then(function (counts) {
        if (!Array.isArray(counts) || counts.length !== ids.length) {
          throw new Error("unexpected counts");
        }
        links.forEach(function (link) {
          var n = counts[ids.indexOf(link.getAttribute("data-isso-id"))];
          if (typeof n === "number" && n >= 0) {
            link.textContent = countText(n); // a number and our words: text, never HTML
          }
        });
      });
  }

  fetch(server + "/config", { signal: controller.signal, mode: "cors" })
    .then(answer)
    .then(function () {
      if (!thread) {
        return showCounts().then(function () {
          clearTimeout(timer);
        });
      }
      clearTimeout(timer);
      return loadScript("embed.min.js");
    })
    .then(function () {
      show("ready");
    })
    .catch(function (error) {
      clearTimeout(timer);
      show("unavailable");
      if (window.console) {
        console.info("Comments unavailable:", error.message || error);
      }
    });
})();
