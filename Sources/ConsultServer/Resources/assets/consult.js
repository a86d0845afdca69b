// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Reveal the "please specify" box only while "Other" is chosen.
  function syncOther(input) {
    var block = document.getElementById(input.getAttribute("data-reveals"));
    if (block) block.classList.toggle("hidden", !input.checked);
  }
  var others = document.querySelectorAll("input[data-reveals]");
  others.forEach(function (input) {
    syncOther(input);
    document.querySelectorAll('input[name="' + input.name + '"]').forEach(function (sibling) {
      sibling.addEventListener("change", function () { syncOther(input); });
    });
  });

  // Hide questions whose condition on an answer of the same page does not hold.
  var conditional = document.querySelectorAll("[data-show-if]");
  function syncConditions() {
    conditional.forEach(function (block) {
      var field = block.getAttribute("data-show-if");
      var wanted = block.getAttribute("data-show-values").split(" ");
      var chosen = Array.prototype.some.call(document.getElementsByName(field), function (input) {
        return input.checked && wanted.indexOf(input.value) >= 0;
      });
      block.classList.toggle("hidden", !chosen);
      var note = block.querySelector(".condition");
      if (note) note.hidden = true;
    });
  }
  if (conditional.length) {
    syncConditions();
    document.addEventListener("change", syncConditions);
  }

  // Move focus to the error summary so that keyboard and screen-reader users meet it first.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Select the whole private link when it gets focus, for copying.
  document.querySelectorAll("input.copy").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // A copy button beside each private link; without the script the link stays selectable text.
  if (navigator.clipboard && window.isSecureContext) {
    document.querySelectorAll("input.copy").forEach(function (input) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary copy-button";
      button.textContent = "Copy the link";
      var status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () {
          status.textContent = "Copied.";
        }, function () {
          input.select();
          status.textContent = "Could not copy; the link is selected, copy it with your keyboard.";
        });
      });
      input.insertAdjacentElement("afterend", status);
      input.insertAdjacentElement("afterend", button);
    });
  }

  // The print button of the copy of a response.
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Load a receipt file into the receipt check's text box.
  document.querySelectorAll("textarea[data-receipt-file]").forEach(function (area) {
    var wrap = document.createElement("p");
    var label = document.createElement("label");
    var input = document.createElement("input");
    input.type = "file";
    input.id = area.id + "-file";
    input.accept = "application/json,.json";
    label.htmlFor = input.id;
    label.textContent = "Or choose the receipt file ";
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var reader = new FileReader();
      reader.onload = function () { area.value = String(reader.result); };
      reader.readAsText(file);
    });
    label.appendChild(input);
    wrap.appendChild(label);
    area.parentNode.insertBefore(wrap, area.nextSibling);
  });
})();
