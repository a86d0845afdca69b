// Progressive enhancement (lang, issue 15): while a long answer is typed, asks the server whether it
// looks like the survey's language and shows its polite note under the box. Nothing is refused; without
// this script the review page shows the same note.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("textarea[data-language-check]");
  // Shorter answers are never judged (the server would call them undetermined anyway).
  var minimumLength = 40;
  boxes.forEach(function (box) {
    var note = document.getElementById(box.getAttribute("data-language-note"));
    if (!note) return;
    var timer = null;
    var asked = null;
    function show(text) {
      note.textContent = text || "";
      note.hidden = !text;
    }
    function check() {
      var text = box.value;
      if (text.trim().length < minimumLength) { show(null); return; }
      if (text === asked) return;
      asked = text;
      fetch(box.getAttribute("data-language-check"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text })
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (result) {
        if (result && box.value === text) show(result.note);
      }).catch(function () { /* the review page shows the note anyway */ });
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 600);
    });
    check();
  });
})();
