/* The dispatch board's keys: [ and ] (or Alt + arrow keys) open the previous and next day. Without scripts the
   links do the same. Keys typed into a field are left alone. */
(function () {
  "use strict";
  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.assign(link.href); }
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))) { return; }
    if (event.ctrlKey || event.metaKey) { return; }
    var rtl = document.documentElement.dir === "rtl";
    if ((event.key === "[" && !event.altKey) || (event.altKey && event.key === (rtl ? "ArrowRight" : "ArrowLeft"))) {
      event.preventDefault();
      follow("fleet-previous-day");
    } else if ((event.key === "]" && !event.altKey) || (event.altKey && event.key === (rtl ? "ArrowLeft" : "ArrowRight"))) {
      event.preventDefault();
      follow("fleet-next-day");
    }
  });
})();
