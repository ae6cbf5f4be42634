/* Answers to the comments archived from the old blog (a legacy post).
 *
 * Added, deferred, to the pages whose archive can be answered (the build puts
 * data-replies-thread and data-replies-title on the archive's section:
 * techblog/legacy/archived_replies.py says why the design is this one). Each
 * archived comment has a thread of its own on the Isso server (this tag's
 * data-comments-server): the post's thread key plus "#c<id>", the comment's
 * own address. The script asks Isso for the counts of all those threads in
 * one request, fetches only the threads that have answers, and draws the
 * answers under their comment; only then does it add a "Reply" button to each
 * comment. Without the script, or while Isso is down, the archive stays as the
 * build wrote it.
 *
 * Reader data is never parsed into the page as HTML: names and dates are set
 * as text, and the answer's text (HTML that Isso rendered and sanitised) is
 * read in an inert document and copied element by element from an allowlist.
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 6000;
  var POST_TIMEOUT_MS = 20000;
  var script = document.currentScript;
  var server = ((script && script.getAttribute("data-comments-server")) || "").replace(/\/+$/, "");
  var section = document.querySelector(".techblog-archived-comments[data-replies-thread]");
  if (!server || !section || !window.fetch || !window.DOMParser || !window.AbortController) {
    return;
  }
  var threadKey = section.getAttribute("data-replies-thread");
  var postTitle = section.getAttribute("data-replies-title") || document.title;
  var articles = Array.prototype.filter.call(section.querySelectorAll("article.comment[id]"), function (article) {
    return article.id.charAt(0) === "c" && !article.querySelector(".comment-removed");
  });
  if (!articles.length) {
    return;
  }
  var serverConfig = {};

  // -- Talking to Isso -------------------------------------------------------

  function uriOf(article) {
    return threadKey + "#" + article.id;
  }

  function call(path, options, timeout) {
    var controller = new AbortController();
    var timer = setTimeout(function () {
      controller.abort();
    }, timeout || TIMEOUT_MS);
    options = options || {};
    options.signal = controller.signal;
    options.mode = "cors";
    return fetch(server + path, options).then(function (response) {
      clearTimeout(timer);
      if (!response.ok) {
        var error = new Error("comment server answered " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  function postJSON(path, body, timeout) {
    return call(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }, timeout);
  }

  // -- Drawing reader data safely --------------------------------------------

  // Isso escapes the name (and website) it stores: read them back as text.
  function plain(value) {
    if (value === null || value === undefined) {
      return "";
    }
    return new DOMParser().parseFromString(String(value), "text/html").documentElement.textContent.trim();
  }

  // Elements of Isso's own allowlist (isso/html/__init__.py), and tr; headings
  // become paragraphs so that an answer never adds to the page's outline.
  var ALLOWED = ["A", "P", "HR", "BR", "OL", "UL", "LI", "PRE", "CODE", "BLOCKQUOTE", "DEL", "INS", "STRONG",
    "EM", "SUB", "SUP", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD"];
  var DROPPED = ["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH"];

  function copyInto(target, source) {
    Array.prototype.forEach.call(source.childNodes, function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.appendChild(document.createTextNode(node.data));
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) {
        return;
      }
      var name = node.tagName.toUpperCase();
      if (DROPPED.indexOf(name) !== -1) {
        return;
      }
      if (/^H[1-6]$/.test(name)) {
        name = "P";
      }
      if (ALLOWED.indexOf(name) === -1) {
        copyInto(target, node); // an element we do not know: its text only
        return;
      }
      var copy = document.createElement(name);
      if (name === "A") {
        var href = node.getAttribute("href") || "";
        if (/^(https?:|mailto:)/i.test(href.trim())) {
          copy.setAttribute("href", href.trim());
          copy.setAttribute("rel", "nofollow ugc noopener");
        }
      }
      copyInto(copy, node);
      target.appendChild(copy);
    });
  }

  function sanitisedText(html) {
    var inert = new DOMParser().parseFromString(String(html || ""), "text/html");
    var body = document.createElement("div");
    body.className = "comment-body";
    copyInto(body, inert.body);
    return body;
  }

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function answerOf(comment, pending, answered) {
    var item = element("li", "comment-answer");
    var article = element("article", "comment");
    var id = Number(comment.id);
    if (Number.isInteger(id)) {
      article.id = "isso-" + id; // where Isso's moderation e-mail links point
    }
    var header = element("header", "comment-header");
    var author = element("span", "comment-author");
    var name = plain(comment.author) || "Anonymous";
    var website = plain(comment.website);
    if (/^https?:\/\//i.test(website)) {
      var link = element("a", "", name);
      link.href = website;
      link.rel = "nofollow ugc noopener";
      author.appendChild(link);
    } else {
      author.textContent = name;
    }
    header.appendChild(author);
    var created = new Date(Number(comment.created) * 1000);
    if (!isNaN(created.getTime())) {
      // As the archive shows its dates (post_date_format, "%d %B %Y").
      var time = element("time", "", created.toLocaleDateString("en-GB",
        { day: "2-digit", month: "long", year: "numeric" }));
      time.setAttribute("datetime", created.toISOString());
      var permalink = element("a", "comment-permalink");
      if (article.id) {
        permalink.href = "#" + article.id;
      }
      permalink.appendChild(time);
      header.appendChild(permalink);
    }
    header.appendChild(element("span", "comment-origin", "reply to " + authorOf(answered) + ", on this site"));
    if (pending) {
      header.appendChild(element("span", "comment-pending", "Awaiting moderation"));
    }
    article.appendChild(header);
    article.appendChild(sanitisedText(comment.text));
    item.appendChild(article);
    return item;
  }

  // Isso nests a thread's comments one level (replies of replies come flat).
  function flatten(comments, out) {
    (comments || []).forEach(function (comment) {
      out.push(comment);
      flatten(comment.replies, out);
    });
    return out;
  }

  // The answers go in the archived comment's own list item, after its archived
  // replies (they are older): threaded under the comment they answer.
  function answersList(article) {
    var item = article.parentNode;
    var list = item.querySelector(":scope > ol.comment-answers");
    if (!list) {
      list = element("ol", "comment-thread comment-answers");
      list.setAttribute("aria-label", "Answers on this site to " + authorOf(article));
      item.appendChild(list);
    }
    return list;
  }

  function authorOf(article) {
    var author = article.querySelector(".comment-author");
    return author ? author.textContent.trim() : "this comment";
  }

  // -- Keeping the reader's place ----------------------------------------------

  // The element an address points at: "#c123" (an old address of the archived
  // comment) or "#c123#isso-45" (Isso's moderation e-mail: the thread key has
  // the "#c123" already), which the browser cannot find by itself.
  function hashParts() {
    var hash = location.hash.slice(1);
    try {
      hash = decodeURIComponent(hash);
    } catch (error) {
      // a malformed escape: the hash as it is
    }
    return hash ? hash.split("#") : [];
  }

  function hashTarget() {
    var parts = hashParts();
    for (var i = parts.length - 1; i >= 0; i--) {
      var found = parts[i] && document.getElementById(parts[i]);
      if (found && section.contains(found)) {
        return found;
      }
    }
    return null;
  }

  // Answers drawn above the comment an address points at must not push it out
  // of view: the target stays where it was on the screen.
  function inPlace(change) {
    var target = hashTarget();
    var before = target ? target.getBoundingClientRect().top : null;
    change();
    if (target && before >= 0 && before < window.innerHeight) {
      var moved = target.getBoundingClientRect().top - before;
      if (moved) {
        window.scrollBy(0, moved);
      }
    }
  }

  // -- The reply form ----------------------------------------------------------

  var formCount = 0;

  function field(form, id, labelText, control, hint) {
    var wrapper = element("p", "archived-reply-field");
    var label = element("label", "", labelText);
    label.setAttribute("for", id);
    control.id = id;
    wrapper.appendChild(label);
    wrapper.appendChild(control);
    if (hint) {
      var note = element("span", "archived-reply-hint", hint);
      note.id = id + "-hint";
      control.setAttribute("aria-describedby", note.id);
      wrapper.appendChild(note);
    }
    form.appendChild(wrapper);
    return control;
  }

  function input(name, type, autocomplete, required) {
    var control = document.createElement("input");
    control.name = name;
    control.type = type;
    control.maxLength = 254;
    control.setAttribute("autocomplete", autocomplete);
    control.required = required;
    return control;
  }

  function threadTitle(article) {
    return postTitle + " (answers to " + authorOf(article) + ", archived comment #" + article.id + ")";
  }

  function makeForm(article, button) {
    formCount += 1;
    var prefix = "archived-reply-" + formCount;
    var box = element("div", "archived-reply");
    box.id = prefix;
    var form = element("form", "archived-reply-form");
    var text = document.createElement("textarea");
    text.name = "text";
    text.rows = 5;
    text.required = true;
    text.minLength = 3;
    text.maxLength = 65535;
    field(form, prefix + "-text", "Your answer to " + authorOf(article), text,
      "Markdown works. A moderator reads every answer before it appears.");
    var needAuthor = serverConfig["require-author"] === true;
    var needEmail = serverConfig["require-email"] === true;
    var author = field(form, prefix + "-author", needAuthor ? "Name" : "Name (optional)",
      input("author", "text", "name", needAuthor));
    var email = field(form, prefix + "-email", needEmail ? "E-mail (never shown)" : "E-mail (optional, never shown)",
      input("email", "email", "email", needEmail));
    var actions = element("p", "archived-reply-actions");
    var send = element("button", "archived-reply-send", "Send answer");
    send.type = "submit";
    var cancel = element("button", "archived-reply-cancel", "Cancel");
    cancel.type = "button";
    actions.appendChild(send);
    actions.appendChild(cancel);
    form.appendChild(actions);
    var status = element("p", "archived-reply-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    box.appendChild(form);
    box.appendChild(status);

    function close() {
      form.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }

    cancel.addEventListener("click", close);
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        close();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send.disabled = true;
      status.textContent = "Sending your answer…";
      postJSON("/new?uri=" + encodeURIComponent(uriOf(article)), {
        text: text.value,
        author: author.value.trim() || null,
        email: email.value.trim() || null,
        title: threadTitle(article),
      }, POST_TIMEOUT_MS).then(function (comment) {
        var pending = comment.mode === 2;
        inPlace(function () {
          answersList(article).appendChild(answerOf(comment, pending, article));
        });
        form.reset();
        send.disabled = false;
        close();
        status.textContent = pending
          ? "Thank you: your answer is awaiting moderation. It will appear under this comment once a moderator approves it."
          : "Thank you: your answer is published under this comment.";
      }, function (error) {
        send.disabled = false;
        status.textContent = error.status === 403
          ? "Your answer was not accepted: too many comments from your address (two a minute, three answers to one comment)."
          : "Your answer could not be sent: the comment server did not accept it. Please try again later.";
      });
    });
    return box;
  }

  function addButton(article) {
    var actions = element("p", "comment-actions");
    var button = element("button", "comment-reply", "Reply");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    // Named after the comment (its author and date: one author may have several).
    var when = article.querySelector(".comment-permalink time");
    var who = element("span", "visually-hidden",
      " to " + authorOf(article) + (when ? " (" + when.textContent.trim() + ")" : ""));
    button.appendChild(who);
    actions.appendChild(button);
    article.appendChild(actions);
    var box = null;
    button.addEventListener("click", function () {
      if (!box) {
        box = makeForm(article, button);
        article.parentNode.insertBefore(box, article.nextSibling);
        button.setAttribute("aria-controls", box.id);
      }
      var form = box.querySelector("form");
      var opening = form.hidden || button.getAttribute("aria-expanded") !== "true";
      form.hidden = !opening;
      button.setAttribute("aria-expanded", opening ? "true" : "false");
      if (opening) {
        box.querySelector(".archived-reply-status").textContent = "";
        form.querySelector("textarea").focus();
      }
    });
  }

  // -- Start -----------------------------------------------------------------

  var uris = articles.map(uriOf);
  Promise.all([call("/config"), postJSON("/count", uris)])
    .then(function (answers) {
      serverConfig = (answers[0] && answers[0].config) || {};
      var counts = answers[1];
      if (!Array.isArray(counts) || counts.length !== articles.length) {
        throw new Error("unexpected counts");
      }
      inPlace(function () {
        articles.forEach(addButton);
        var note = section.querySelector(".comments-note");
        if (note) {
          note.appendChild(document.createTextNode(
            " You can answer them: answers appear under their comment once a moderator approves them."));
        }
      });
      var fetches = [];
      articles.forEach(function (article, i) {
        if (counts[i] > 0) {
          fetches.push(call("/?uri=" + encodeURIComponent(uriOf(article)) + "&sort=oldest").then(function (thread) {
            inPlace(function () {
              var list = answersList(article);
              flatten(thread.replies, []).forEach(function (comment) {
                list.appendChild(answerOf(comment, false, article));
              });
            });
          }, function (error) {
            if (window.console) {
              console.info("Answers to " + article.id + " unavailable:", error.message || error);
            }
          }));
        }
      });
      return Promise.all(fetches);
    })
    .then(function () {
      section.setAttribute("data-replies-state", "ready");
      // "#c123#isso-45" (a moderation e-mail's link) is found only now.
      if (hashParts().length > 1) {
        var target = hashTarget();
        if (target) {
          target.scrollIntoView();
        }
      }
    })
    .catch(function (error) {
      section.setAttribute("data-replies-state", "unavailable");
      if (window.console) {
        console.info("Answers to archived comments unavailable:", error.message || error);
      }
    });
})();
