// The profile form: the Sage user and password are asked only for a .mae or SQL Server company, never for the
// embedded one; the Sage export only for a .mae company; the payments settings only when payments are on. The
// page is drawn right for the saved settings; this follows the location and the direction as they change.
(function () {
  "use strict";
  function embedded(text) {
    var lowered = text.trim().toLowerCase();
    return lowered.indexOf("embedded:") === 0 || /\.sqlite3?$/.test(lowered);
  }
  function mae(text) {
    return /\.mae$/.test(text.trim().toLowerCase());
  }
  function follow(location) {
    var hideLogin = embedded(location.value);
    var hideExport = !mae(location.value);
    document.querySelectorAll("[data-sage-login]").forEach(function (element) { element.hidden = hideLogin; });
    document.querySelectorAll("[data-mae-only]").forEach(function (element) {
      element.hidden = hideExport && !element.classList.contains("invalid");
    });
  }
  // The payments settings are asked only when payments go somewhere (a field with a problem stays shown).
  function followDirection(direction) {
    var off = direction.value === "off";
    document.querySelectorAll("[data-payments]").forEach(function (element) {
      element.hidden = off && !element.classList.contains("invalid");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var location = document.getElementById("f-sage_location");
    if (location) {
      location.addEventListener("input", function () { follow(location); });
    }
    var direction = document.getElementById("f-payments.direction");
    if (direction) {
      direction.addEventListener("change", function () { followDirection(direction); });
    }
  });
})();
