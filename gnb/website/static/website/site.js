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
              if (place.kind === "airport") option.setAttribute("data-airport", "");
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

  // The time asked follows the places: the landing for an airport pickup, the flight's departure for a drop-off
  // at the airport (the server derives the pickup from it either way), else the pickup itself.
  function timeLabels(form) {
    var box = form.querySelector("[data-time-labels]");
    var origin = form.querySelector("input[name=origin]");
    var destination = form.querySelector("input[name=destination]");
    if (!box || !origin || !destination) return;
    var dateLabel = box.querySelector("label[for$=date]");
    var timeLabel = box.querySelector("label[for$=time]");
    var help = box.querySelector("[id$=time_helptext]");
    function isAirport(input) {
      var list = document.getElementById(input.getAttribute("list"));
      var value = input.value.trim().toLowerCase();
      if (!list || !value) return false;
      // "Antalya Airport" or "AYT" names the option "Antalya Airport (AYT)", as the server reads it.
      return Array.prototype.some.call(list.options, function (option) {
        if (!option.hasAttribute("data-airport")) return false;
        var label = option.value.toLowerCase();
        var code = label.match(/\(([a-z]{3})\)$/);
        return label === value || label.split(" (")[0] === value || (code !== null && code[1] === value);
      });
    }
    function sync() {
      var kind = isAirport(origin) ? "landing" : isAirport(destination) ? "departure" : "pickup";
      if (timeLabel) timeLabel.textContent = box.getAttribute("data-" + kind);
      if (dateLabel) dateLabel.textContent = box.getAttribute(kind === "pickup" ? "data-pickup-date" : "data-flight-date");
      if (help) help.hidden = true; // the label now says what to give
      // The return ride runs back: from an airport it gives its landing, to an airport its flight's departure.
      var back = form.querySelector("[data-return-fields]");
      var backLabel = back && back.querySelector("label[for$=return_time]");
      var backHelp = back && back.querySelector("[id$=return_time_helptext]");
      if (backLabel && backLabel.firstChild) {
        // Only the words: the "(optional)" mark after them stays.
        var backKind = isAirport(destination) ? "landing" : isAirport(origin) ? "departure" : "pickup";
        backLabel.firstChild.nodeValue = back.getAttribute("data-return-" + backKind) + " ";
      }
      if (backHelp) backHelp.hidden = true;
    }
    origin.addEventListener("input", sync);
    destination.addEventListener("input", sync);
    origin.addEventListener("change", sync);
    destination.addEventListener("change", sync);
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

  // A signed-in customer's saved passengers as buttons: a tap puts one in the first empty row of their age group,
  // a tap on one already in takes them out. The per-row choice (the way without scripts) is then not needed.
  function savedPassengers(box) {
    var form = box.closest("form");
    var status = box.querySelector("[data-saved-status]");
    var chips = Array.prototype.slice.call(box.querySelectorAll("button[data-category]"));
    var rows = Array.prototype.slice.call(form.querySelectorAll(".passenger[data-category]"));
    function names(row) {
      return [row.querySelector("input[name$=_first_name]"), row.querySelector("input[name$=_last_name]")];
    }
    function rowOf(chip) {
      return rows.filter(function (row) {
        var inputs = names(row);
        return row.getAttribute("data-category") === chip.getAttribute("data-category") &&
          inputs[0].value.trim() === chip.getAttribute("data-first") &&
          inputs[1].value.trim() === chip.getAttribute("data-last");
      })[0];
    }
    function sync() {
      chips.forEach(function (chip) { chip.setAttribute("aria-pressed", rowOf(chip) ? "true" : "false"); });
    }
    chips.forEach(function (chip) {
      chip.addEventListener("click", function () {
        var row = rowOf(chip);
        var inputs;
        status.textContent = "";
        if (row) {
          inputs = names(row);
          inputs[0].value = "";
          inputs[1].value = "";
        } else {
          row = rows.filter(function (candidate) {
            var empty = names(candidate);
            return candidate.getAttribute("data-category") === chip.getAttribute("data-category") &&
              !empty[0].value.trim() && !empty[1].value.trim();
          })[0];
          if (!row) {
            status.textContent = box.getAttribute("data-full");
            return;
          }
          inputs = names(row);
          inputs[0].value = chip.getAttribute("data-first");
          inputs[1].value = chip.getAttribute("data-last");
        }
        sync();
      });
    });
    rows.forEach(function (row) {
      names(row).forEach(function (input) { input.addEventListener("input", sync); });
    });
    form.querySelectorAll("[data-saved-select]").forEach(function (field) {
      var select = field.querySelector("select");
      field.hidden = true;
      if (select) {
        select.value = "";
        select.disabled = true; // the names typed or tapped in are what is sent
      }
    });
    box.hidden = false;
    sync();
  }

  document.querySelectorAll("[data-saved-chips]").forEach(savedPassengers);
  document.querySelectorAll("input[list]").forEach(placeSuggestions);
  document.querySelectorAll("form.search").forEach(returnToggle);
  document.querySelectorAll("form.search").forEach(timeLabels);
  document.querySelectorAll("form[data-once]").forEach(submitOnce);

  // Focus the first field with an error so keyboard and screen-reader users land on it.
  var firstError = document.querySelector(".field--error input, .field--error select, .field--error textarea");
  if (firstError) firstError.focus();
})();
