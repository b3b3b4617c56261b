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

    // Amounts (allocations/create.html): the amount typed, converted live between whole and base units.
    // <form data-decimals='{"tbtc": 8}'> with [data-amount-input], [data-amount-unit], [data-amount-currency] and an
    // <output data-amount-preview>. Exact string arithmetic (no floats); the server parses and checks again.
    document.querySelectorAll("form[data-decimals]").forEach(function (form) {
      var input = form.querySelector("[data-amount-input]");
      var unit = form.querySelector("[data-amount-unit]");
      var currency = form.querySelector("[data-amount-currency]");
      var preview = form.querySelector("[data-amount-preview]");
      var decimals;
      try { decimals = JSON.parse(form.getAttribute("data-decimals")); } catch (e) { return; }
      if (!input || !unit || !currency || !preview) { return; }

      function group(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

      function convert() {
        var code = currency.value, places = decimals[code];
        var text = input.value.replace(/[\s_]/g, "");
        if (places === undefined || text === "") { return ["", false]; }
        var whole = text.split(".")[0];
        if (whole.indexOf(",") !== -1 && !/^\d{1,3}(,\d{3})+$/.test(whole)) {
          return ["Use a point for decimals (0.25); commas only group thousands (1,000).", true];
        }
        text = text.replace(/,/g, "");
        var match, digits;
        if (unit.value === "base") {
          if (!/^\d+$/.test(text)) { return ["Base units are a whole number, such as 25000000.", true]; }
          digits = text.replace(/^0+(?=\d)/, "");
          var padded = digits.length > places ? digits : new Array(places - digits.length + 2).join("0") + digits;
          var units = padded.slice(0, padded.length - places) || "0";
          var fraction = places ? padded.slice(padded.length - places).replace(/0+$/, "") : "";
          return ["= " + group(units.replace(/^0+(?=\d)/, "")) + (fraction ? "." + fraction : "") + " " + code, false];
        }
        match = /^(\d*)(?:\.(\d*))?$/.exec(text);
        if (!match || (match[1] === "" && !match[2])) { return ["Type a number, such as 0.25.", true]; }
        var frac = match[2] || "";
        if (frac.length > places) { return [code + " has " + places + " decimal places at most.", true]; }
        digits = ((match[1] || "0") + frac + new Array(places - frac.length + 1).join("0")).replace(/^0+(?=\d)/, "");
        return ["= " + group(digits) + " base units", false];
      }

      function update() {
        var result = convert();
        preview.textContent = result[0];
        preview.classList.toggle("amount-preview--error", result[1]);
        form.querySelectorAll("[data-currency]").forEach(function (row) {
          row.classList.toggle("is-current", row.getAttribute("data-currency") === currency.value);
        });
      }
      [input, unit, currency].forEach(function (element) {
        element.addEventListener("input", update);
        element.addEventListener("change", update);
      });
        update();
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
