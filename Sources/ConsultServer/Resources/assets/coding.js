// Reading room: select a span of a free text with the mouse or the keyboard, and fill the coding
// form's start/end fields (Unicode scalar offsets, as the server counts). Without this script the
// same form works by typing start and end.
(function () {
  "use strict";
  var live = document.getElementById("coding-live");
  function announce(text) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }
  // Repeat the server's notice after load, so that screen readers announce the coding just made.
  var status = document.getElementById("coding-status");
  if (status && status.textContent.trim()) announce(status.textContent.trim());

  function isWordChar(ch) { return /[\p{L}\p{N}_]/u.test(ch); }

  document.querySelectorAll("form.code-form").forEach(function (form) {
    var region = document.getElementById(form.getAttribute("data-codable"));
    if (!region) return;
    var chars = Array.from(region.getAttribute("data-text") || "");
    var startInput = form.querySelector(".span-start");
    var endInput = form.querySelector(".span-end");
    var anchor = 0, caret = 0, focused = false;

    region.tabIndex = 0;
    region.setAttribute("role", "textbox");
    region.setAttribute("aria-readonly", "true");
    region.setAttribute("aria-multiline", "true");
    region.setAttribute("aria-label", (region.getAttribute("data-label") || "Text") +
      ": arrow keys move, Shift with arrows selects, then choose a theme below");
    region.classList.add("selectable");

    function render() {
      var from = Math.min(anchor, caret), to = Math.max(anchor, caret);
      region.textContent = "";
      region.appendChild(document.createTextNode(chars.slice(0, from).join("")));
      if (to > from) {
        var mark = document.createElement("mark");
        mark.className = "selecting";
        mark.textContent = chars.slice(from, to).join("");
        region.appendChild(mark);
      } else if (focused) {
        var bar = document.createElement("span");
        bar.className = "caret";
        bar.setAttribute("aria-hidden", "true");
        region.appendChild(bar);
      }
      region.appendChild(document.createTextNode(chars.slice(to).join("")));
    }

    function publish(spoken) {
      var from = Math.min(anchor, caret), to = Math.max(anchor, caret);
      if (to > from) {
        startInput.value = String(from);
        endInput.value = String(to);
        if (spoken) announce("Selected " + (to - from) + " characters: " + chars.slice(from, to).join(""));
      } else {
        startInput.value = "";
        endInput.value = "";
        if (spoken) announce("Position " + caret + " of " + chars.length);
      }
    }

    function step(from, direction, byWord) {
      var at = from + direction;
      if (byWord) {
        while (at > 0 && at < chars.length && !isWordChar(chars[direction > 0 ? at : at - 1])) at += direction;
        while (at > 0 && at < chars.length && isWordChar(chars[direction > 0 ? at : at - 1])) at += direction;
      }
      return Math.max(0, Math.min(chars.length, at));
    }

    region.addEventListener("focus", function () { focused = true; render(); });
    region.addEventListener("blur", function () { focused = false; render(); });
    region.addEventListener("keydown", function (event) {
      var next = caret;
      switch (event.key) {
        case "ArrowLeft": next = step(caret, -1, event.ctrlKey || event.altKey); break;
        case "ArrowRight": next = step(caret, 1, event.ctrlKey || event.altKey); break;
        case "Home": case "ArrowUp": next = 0; break;
        case "End": case "ArrowDown": next = chars.length; break;
        case "Escape": anchor = caret; render(); publish(true); return;
        default: return;
      }
      event.preventDefault();
      caret = next;
      if (!event.shiftKey) anchor = caret;
      render();
      publish(true);
    });

    // The selection's offset within the region, in UTF-16 units, from the start of the text.
    function offsetOf(node, offset) {
      var total = 0;
      var walker = document.createTreeWalker(region, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        var current = walker.currentNode;
        if (current === node) return total + offset;
        total += current.nodeValue.length;
      }
      if (node === region) {
        var count = 0;
        for (var i = 0; i < offset && i < region.childNodes.length; i++) count += region.childNodes[i].textContent.length;
        return count;
      }
      return total;
    }
    function scalars(units) { return Array.from(chars.join("").slice(0, units)).length; }

    region.addEventListener("mouseup", function () {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0) return;
      var range = selection.getRangeAt(0);
      if (!region.contains(range.startContainer) || !region.contains(range.endContainer)) return;
      var from = scalars(offsetOf(range.startContainer, range.startOffset));
      var to = scalars(offsetOf(range.endContainer, range.endOffset));
      anchor = Math.min(from, to);
      caret = Math.max(from, to);
      selection.removeAllRanges();
      render();
      publish(true);
    });

    function fromInputs() {
      var from = parseInt(startInput.value, 10), to = parseInt(endInput.value, 10);
      if (isNaN(from) || isNaN(to) || from < 0 || to > chars.length || from >= to) return;
      anchor = from;
      caret = to;
      render();
    }
    startInput.addEventListener("input", fromInputs);
    endInput.addEventListener("input", fromInputs);
    render();
  });
})();
