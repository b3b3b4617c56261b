// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // The organization switcher submits as soon as another organization is chosen.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });

    // Copy-to-clipboard buttons: <button data-copy="#element-id">.
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        if (!source || !navigator.clipboard) { return; }
        var text = source.matches("input, textarea") ? source.value : source.textContent;
        // data-copy-exact: a payload to sign is copied byte for byte (no trimming).
        if (!button.hasAttribute("data-copy-exact")) { text = text.trim(); }
        navigator.clipboard.writeText(text).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });

    // A signed request with a custodial key (organizations/_signed_request.html): show only the group of the
    // signing method chosen (<input data-sign-method> radios, <fieldset data-sign-panel="method"> groups).
    document.querySelectorAll("[data-sign-panels]").forEach(function (container) {
      var radios = container.querySelectorAll("input[data-sign-method]");
      var panels = container.querySelectorAll("[data-sign-panel]");
      function update() {
        var chosen = container.querySelector("input[data-sign-method]:checked");
        if (!chosen) { return; }
        panels.forEach(function (panel) { panel.hidden = panel.getAttribute("data-sign-panel") !== chosen.value; });
      }
      radios.forEach(function (radio) { radio.addEventListener("change", update); });
      update();
    });

    // Destructive actions ask first: <form data-confirm="...">.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
