// Starts Swagger UI on the API docs page. A file, not an inline script, so the page keeps the
// app's Content-Security-Policy (script-src 'self').
"use strict";
(function () {
  var holder = document.getElementById("swagger-ui");
  if (!holder || typeof window.SwaggerUIBundle !== "function") {
    return; // the link to the OpenAPI document stays on the page
  }
  window.SwaggerUIBundle({
    url: holder.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
