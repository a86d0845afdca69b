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
})();
