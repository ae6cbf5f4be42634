/* Draws the page's Mermaid diagrams with the site's own copy of Mermaid
 * (vendor/mermaid/, its README says which). techblog/pages/diagrams.py loads
 * this module on the pages that have a diagram, and on no other.
 *
 * Each diagram's source is a <pre class="mermaid"> (sphinxcontrib-mermaid):
 * it is replaced by the drawing, in the colours of the reader's light or dark
 * mode, drawn again when the mode changes. A diagram Mermaid cannot read
 * keeps its source on the page, and the reason goes to the console.
 *
 * The site's Content-Security-Policy (deploy/nginx/techblog.conf) applies no
 * <style> element: style-src 'self'. Mermaid 12.3.0 puts each diagram's CSS
 * in one (render() in mermaid.esm.min.mjs: document.createElement("style");
 * a few diagram types make another), so the diagram would lose its colours
 * and the browser would report a violation. While Mermaid draws, such an
 * element is an empty SVG <metadata> element instead, and the CSS it is given
 * goes into a stylesheet made with CSSOM (document.adoptedStyleSheets), which
 * the policy does not restrict. Nothing else changes for the page's scripts.
 */
import mermaid from "./vendor/mermaid/mermaid.esm.min.mjs";

const SVG = "http://www.w3.org/2000/svg";
const diagrams = [...document.querySelectorAll("pre.mermaid")].map((pre, index) => ({
  id: `techblog-diagram-${index + 1}`,
  source: pre.textContent.trim(),
  element: pre,
  sheet: null,
}));

function dark() {
  const theme = document.documentElement.dataset.theme;
  if (theme === "dark" || theme === "light") return theme === "dark";
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/* A stand-in for a <style> element: its CSS goes to `sheet`. */
function standIn(createElementNS, sheet, rules) {
  const element = createElementNS.call(document, SVG, "metadata");
  for (const property of ["innerHTML", "textContent"]) {
    Object.defineProperty(element, property, {
      get: () => "",
      set: (css) => {
        rules.push(String(css));
        sheet.replaceSync(rules.join("\n"));
      },
    });
  }
  return element;
}

async function draw(diagram) {
  const sheet = new CSSStyleSheet();
  const rules = [];
  document.adoptedStyleSheets = [...document.adoptedStyleSheets.filter((s) => s !== diagram.sheet), sheet];
  diagram.sheet = sheet;
  const { createElement, createElementNS } = document;
  document.createElement = function (name, options) {
    return String(name).toLowerCase() === "style"
      ? standIn(createElementNS, sheet, rules)
      : createElement.call(this, name, options);
  };
  document.createElementNS = function (namespace, name, options) {
    return String(name).toLowerCase() === "style"
      ? standIn(createElementNS, sheet, rules)
      : createElementNS.call(this, namespace, name, options);
  };
  try {
    const { svg } = await mermaid.render(diagram.id, diagram.source);
    return svg;
  } finally {
    delete document.createElement; // the Document.prototype methods again
    delete document.createElementNS;
  }
}

async function drawAll() {
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict", // labels are text: no HTML, no click handlers
    theme: dark() ? "dark" : "default",
    // Mermaid's dark labels on edges (#ccc on #585858) are below the 4.5:1 contrast readers need.
    themeVariables: dark() ? { edgeLabelBackground: "#333333" } : {},
    suppressErrorRendering: true, // a diagram with an error keeps its source
    // Mermaid 11's layout: 12.3.0's default, ELK, is 1.6 MB more to download for
    // a flowchart. A diagram can still ask for it (config: layout: elk).
    layout: "dagre",
  });
  for (const diagram of diagrams) {
    let svg;
    try {
      svg = await draw(diagram);
    } catch (error) {
      diagram.element.dataset.diagram = "error";
      console.error(`Diagram ${diagram.id} could not be drawn:`, error);
      continue;
    }
    const figure = document.createElement("div");
    figure.className = "techblog-diagram";
    figure.dataset.diagram = "drawn";
    figure.innerHTML = svg;
    diagram.element.replaceWith(figure);
    diagram.element = figure;
  }
}

let queue = drawAll();
// The theme's switcher sets data-theme on <html>: draw again in its colours.
new MutationObserver(() => {
  queue = queue.then(drawAll);
}).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
