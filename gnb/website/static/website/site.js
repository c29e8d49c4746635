/* Progressive enhancements of the public site. Every page works without this file. */
(function () {
  "use strict";

  // Type-ahead over every place in every language: the API searches all names, the datalist shows them.
  function placeSuggestions(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || !window.fetch) return;
    var timer = null;
    var lastQuery = "";
    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query.length < 2 || query === lastQuery) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        lastQuery = query;
        // A tour's pickup field asks only for places in the tour's pickup zones.
        var tour = input.getAttribute("data-place-tour");
        var url = "/api/v1/places?q=" + encodeURIComponent(query) + (tour ? "&tour=" + encodeURIComponent(tour) : "");
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (places) {
            if (!places || !Array.isArray(places.items || places)) return;
            var items = places.items || places;
            var seen = {};
            Array.prototype.forEach.call(list.options, function (option) { seen[option.value] = true; });
            items.forEach(function (place) {
              var label = place.iata_code ? place.name + " (" + place.iata_code + ")" : place.name;
              if (seen[label]) return;
              var option = document.createElement("option");
              option.value = label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* the datalist already holds every place; suggestions are a bonus */ });
      }, 150);
    });
  }

  // The return date and time only matter for a return trip.
  function returnToggle(form) {
    var box = form.querySelector("[data-return-toggle] input[type=checkbox]");
    var fields = form.querySelector("[data-return-fields]");
    if (!box || !fields) return;
    var hasError = fields.querySelector(".field--error");
    function sync() { fields.hidden = !box.checked && !hasError; }
    box.addEventListener("change", sync);
    sync();
  }

  // A second tap while the first submit is on its way would only wait for the same answer.
  function submitOnce(form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
      }, 0);
    });
  }

  document.querySelectorAll("input[list]").forEach(placeSuggestions);
  document.querySelectorAll("form.search").forEach(returnToggle);
  document.querySelectorAll("form[data-once]").forEach(submitOnce);

  // Focus the first field with an error so keyboard and screen-reader users land on it.
  var firstError = document.querySelector(".field--error input, .field--error select, .field--error textarea");
  if (firstError) firstError.focus();
})();
