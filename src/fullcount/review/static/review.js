// Keyboard shortcuts of the review page (written for fullcount; no framework).
// On a pair: y = match, n = not a match, u = unsure, z = undo, ArrowRight = next.
// Keys typed into a text field are left alone.
(function () {
  "use strict";
  function click(id) {
    var element = document.getElementById(id);
    if (element) { element.click(); return true; }
    return false;
  }
  var keys = {
    "y": "btn-match",
    "n": "btn-non-match",
    "u": "btn-unsure",
    "z": "btn-undo",
    "ArrowRight": "next"
  };
  var busy = false;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || busy) { return; }
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                   target.tagName === "SELECT" || target.isContentEditable)) {
      return;
    }
    var id = keys[event.key];
    if (id && click(id)) {
      busy = true;  // one decision per page: a held key must not decide twice
      event.preventDefault();
    }
  });
}());
