/* The search page (search.html): Pagefind's index, searched in the browser.
 *
 * The build writes the index to _pagefind/ (techblog/site/pagefind_index.py):
 * small gzipped chunks that pagefind.js (its API, loaded here with import())
 * fetches as a query needs them, and its WebAssembly, run on the page. This script draws the page around it: the
 * field, filters by tag, category, author and year (any of the values ticked
 * within one filter, all of the filters together; the build lists them in
 * the page), the order (best match or newest first), and the results: title,
 * date, authors and an excerpt.
 *
 * Every value shown comes from the posts' front matter: it is put in as
 * text, never as markup. The one exception is Pagefind's excerpt, which
 * marks the words found with <mark>: it is rebuilt from text nodes and
 * <mark> elements only.
 *
 * The search runs as the reader types (after a pause), on Enter, and on
 * arrival with the address's ?q=, ?tag=..., ?sort=date; the address follows
 * the choices, so a search can be bookmarked or shared.
 */
(function () {
  "use strict";
  var root = document.getElementById("techblog-search");
  if (!root) {
    return;
  }
  var PAGE_SIZE = 10;
  var FILTERS = ["tag", "category", "author", "year"];
  var form = root.querySelector("form.techblog-search-form");
  var field = document.getElementById("techblog-search-q");
  var options = document.getElementById("techblog-search-options");
  var status = document.getElementById("techblog-search-status");
  var list = document.getElementById("techblog-search-results");
  var more = document.getElementById("techblog-search-more");
  var pagefind = null;
  var siteCounts = {};
  var countsLoaded = false;
  var searchId = 0;
  var shown = [];
  var timer = null;

  function say(text) {
    status.textContent = text;
  }

  function choices() {
    var chosen = {};
    root.querySelectorAll(".techblog-search-filter").forEach(function (group) {
      var values = [];
      group.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
        values.push(box.value);
      });
      var count = group.querySelector(".techblog-search-chosen");
      count.textContent = values.length ? " (" + values.length + " chosen)" : "";
      if (values.length) {
        chosen[group.getAttribute("data-filter")] = {any: values};
      }
    });
    return chosen;
  }

  function order() {
    var checked = root.querySelector("input[name=sort]:checked");
    return checked && checked.value === "date" ? "date" : "";
  }

  function remember(query, filters, sort) {
    var params = new URLSearchParams();
    if (query) {
      params.set("q", query);
    }
    FILTERS.forEach(function (name) {
      ((filters[name] || {}).any || []).forEach(function (value) {
        params.append(name, value);
      });
    });
    if (sort) {
      params.set("sort", sort);
    }
    var search = params.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  /* Pagefind's excerpt, as text with its <mark> elements and nothing else. */
  function excerpt(html) {
    var paragraph = document.createElement("p");
    paragraph.className = "techblog-search-excerpt";
    var parsed = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    parsed.body.childNodes.forEach(function (node) {
      if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        paragraph.appendChild(mark);
      } else {
        paragraph.appendChild(document.createTextNode(node.textContent));
      }
    });
    return paragraph;
  }

  /* A result's address, if it is a page of this site. */
  function address(url) {
    try {
      var resolved = new URL(url, location.href);
      return resolved.origin === location.origin ? resolved.href : null;
    } catch (error) {
      return null;
    }
  }

  function drawResult(data) {
    var meta = data.meta || {};
    var item = document.createElement("li");
    item.className = "techblog-search-result";
    var heading = document.createElement("h2");
    var link = document.createElement("a");
    var href = address(data.url);
    if (href) {
      link.href = href;
    }
    link.textContent = meta.title || data.url;
    heading.appendChild(link);
    item.appendChild(heading);
    if (meta.date || meta.authors) {
      var line = document.createElement("p");
      line.className = "techblog-search-meta";
      if (meta.date) {
        var date = document.createElement("span");
        date.className = "search-result-date";
        date.textContent = meta.date;
        line.appendChild(date);
      }
      if (meta.authors) {
        var authors = document.createElement("span");
        authors.className = "search-result-authors";
        authors.textContent = (meta.date ? " · " : "") + "by " + meta.authors;
        line.appendChild(authors);
      }
      item.appendChild(line);
    }
    item.appendChild(excerpt(data.excerpt || ""));
    return item;
  }

  /* The list says it is being drawn (aria-busy) until its results are in. */
  function busy(yes) {
    list.setAttribute("aria-busy", yes ? "true" : "false");
  }

  function showMore(id) {
    var next = shown.slice(list.children.length, list.children.length + PAGE_SIZE);
    more.hidden = true;
    busy(true);
    return Promise.all(next.map(function (result) { return result.data(); })).then(function (pages) {
      if (id !== searchId) {
        return;
      }
      pages.forEach(function (data) {
        list.appendChild(drawResult(data));
      });
      more.hidden = list.children.length >= shown.length;
      busy(false);
    });
  }

  function run() {
    clearTimeout(timer);
    var id = ++searchId;
    var query = field.value.trim();
    var filters = choices();
    var sort = order();
    remember(query, filters, sort);
    list.replaceChildren();
    more.hidden = true;
    shown = [];
    busy(true);
    if (!query && !Object.keys(filters).length) {
      recount(siteCounts);
      say("Type a word, or choose a tag, category, author or year.");
      busy(false);
      return Promise.resolve();
    }
    say("Searching…");
    var settings = {filters: filters};
    if (sort) {
      settings.sort = {date: "desc"};
    }
    return pagefind.search(query || null, settings).then(function (found) {
      if (id !== searchId) {
        return;
      }
      shown = found.results;
      recount(query ? found.totalFilters || {} : siteCounts);
      var count = shown.length;
      var what = query ? " for “" + query + "”" : "";
      say(count ? count + (count === 1 ? " result" : " results") + what + "." : "Nothing found" + what + ".");
      return showMore(id);
    }).catch(function () {
      if (id === searchId) {
        say("The search failed. Please reload the page.");
        busy(false);
      }
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  }

  /* The counts need every filter's chunk of the index: fetched when the
     reader first opens a filter, not for every search. */
  function loadCounts() {
    if (countsLoaded) {
      return;
    }
    countsLoaded = true;
    pagefind.filters().then(function (available) {
      siteCounts = available;
      var query = field.value.trim();
      if (!query) {
        recount(siteCounts);
        return;
      }
      return pagefind.search(query).then(function (found) {
        if (query === field.value.trim()) {
          recount(found.totalFilters || {});
        }
      });
    });
  }

  /* Each value's count: among the results for the words typed (whatever
     the filters), or on the whole site when no word is typed; none until
     the counts are loaded. */
  function recount(counts) {
    if (!countsLoaded) {
      return;
    }
    root.querySelectorAll(".techblog-search-choices input").forEach(function (box) {
      var count = (counts[box.name] || {})[box.value] || 0;
      box.parentNode.querySelector(".techblog-search-count").textContent = " (" + count + ")";
    });
  }

  /* The filters' choices are in the page (drawn by the build, with the
     names readers know); those in the address are ticked. */
  function tickFilters(wanted) {
    root.querySelectorAll(".techblog-search-filter").forEach(function (group) {
      var name = group.getAttribute("data-filter");
      var values = wanted.getAll(name);
      group.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        box.checked = values.indexOf(box.value) !== -1;
      });
      if (values.length) {
        group.open = true;  // (its toggle event loads the counts)
      }
    });
  }

  field.focus();
  var wanted = new URLSearchParams(location.search);
  field.value = wanted.get("q") || "";
  if (wanted.get("sort") === "date") {
    root.querySelector("input[name=sort][value=date]").checked = true;
  }
  say("Loading the search…");
  var bundle = new URL(root.getAttribute("data-bundle"), location.href).href;
  import(bundle).then(function (module) {
    pagefind = module;
    // No web worker: a search takes milliseconds here, and the worker's
    // script would be 12 KB more to fetch (bench/search_bytes.py).
    return pagefind.options({excerptLength: 30, noWorker: true});
  }).then(function () {
    tickFilters(wanted);
    options.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
    field.addEventListener("input", later);
    options.addEventListener("change", run);
    root.querySelectorAll(".techblog-search-filter").forEach(function (group) {
      group.addEventListener("toggle", loadCounts);
    });
    more.addEventListener("click", function () {
      var first = list.children.length;
      showMore(searchId).then(function () {
        var link = list.children[first] && list.children[first].querySelector("a");
        if (link) {
          link.focus();  // where the reader was going: the first new result
        }
      });
    });
    return run();
  }).catch(function () {
    say("The search could not be loaded. Please reload the page.");
  });
})();
