/* Loaded only when the visitor consented to analytics (the server checks the consent cookie). */
(function () {
  "use strict";
  var script = document.currentScript;
  var ga4 = script && script.dataset.ga4;
  var clarity = script && script.dataset.clarity;
  function load(src) {
    var tag = document.createElement("script");
    tag.async = true;
    tag.src = src;
    document.head.appendChild(tag);
  }
  if (ga4) {
    window.dataLayer = window.dataLayer || [];
    window.gtag = function () { window.dataLayer.push(arguments); };
    window.gtag("js", new Date());
    window.gtag("config", ga4, { anonymize_ip: true });
    load("https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(ga4));
  }
  if (clarity) {
    window.clarity = window.clarity || function () { (window.clarity.q = window.clarity.q || []).push(arguments); };
    load("https://www.clarity.ms/tag/" + encodeURIComponent(clarity));
  }
})();
