// What pydata-sphinx-theme 0.24.0's scripts/bootstrap.js does on the blog's
// pages, with only the two Bootstrap 5.3.3 components they use: Tooltip (the
// navbar's buttons and icon links, the sidebar's expand button, which
// pydata-sphinx-theme.js makes through window.bootstrap) and Dropdown (the
// navbar's "More" menu). The theme bundles all of Bootstrap (Modal, Carousel,
// Offcanvas, ScrollSpy...): 81 KB, 23.7 KB gzipped, on every first visit.
//
// The functions below are the theme's own (src/pydata_sphinx_theme/assets/
// scripts/bootstrap.js, BSD-3-Clause), unchanged but for the imports. When the
// theme moves on, compare them with its new file (its source map holds it).
import Dropdown from "bootstrap/js/src/dropdown.js";
import Tooltip from "bootstrap/js/src/tooltip.js";

const bootstrap = { Dropdown, Tooltip };

function documentReady(callback) {
  if (document.readyState != "loading") callback();
  else document.addEventListener("DOMContentLoaded", callback);
}

function TriggerTooltip() {
  var tooltipTriggerList = [].slice.call(
    document.querySelectorAll('[data-bs-toggle="tooltip"]'),
  );
  tooltipTriggerList.map(function (tooltipTriggerEl) {
    return new bootstrap.Tooltip(tooltipTriggerEl, {
      delay: { show: 500, hide: 100 },
    });
  });
}

function setupThemeSwitchDropdownTooltip() {
  const themeSwitchContainer = document.querySelector(
    ".theme-switch-container",
  );
  if (!themeSwitchContainer) return;

  const themeSwitchTooltip =
    bootstrap.Tooltip.getInstance(themeSwitchContainer);
  if (!themeSwitchTooltip) return;

  themeSwitchContainer.addEventListener("show.bs.dropdown", () => {
    themeSwitchTooltip.hide();
    themeSwitchTooltip.disable();
  });

  themeSwitchContainer.addEventListener("hide.bs.dropdown", () => {
    themeSwitchTooltip.enable();
  });
}

function backToTop() {
  var btn = document.getElementById("pst-back-to-top");
  if (btn) {
    btn.addEventListener("click", function () {
      document.body.scrollTop = 0;
      document.documentElement.scrollTop = 0;
    });
  }
}

function showBackToTop() {
  var btn = document.getElementById("pst-back-to-top");
  if (!btn) return;
  var header = document
    .getElementsByClassName("bd-header")[0]
    .getBoundingClientRect();
  window.addEventListener("scroll", function () {
    if (this.oldScroll > this.scrollY && this.scrollY > header.bottom) {
      btn.style.display = "block";
    } else {
      btn.style.display = "none";
    }
    this.oldScroll = this.scrollY;
  });
}

documentReady(TriggerTooltip);
documentReady(setupThemeSwitchDropdownTooltip);
documentReady(backToTop);
documentReady(showBackToTop);

window.bootstrap = bootstrap;
