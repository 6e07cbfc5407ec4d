// Forms that delete something ask first: <form data-confirm="Delete ...?">.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
