// Start Swagger UI (served from Bulletin's own copy) on the API's OpenAPI document,
// named by this script tag's data-openapi: no inline script, so the CSP holds.
(function () {
  var script = document.currentScript;
  window.addEventListener("load", function () {
    window.ui = SwaggerUIBundle({
      url: script.dataset.openapi,
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  });
})();
