// Progressive enhancement only: every control works without this file.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  // The sort menu applies itself (without JS a "Sort" button submits it).
  const sort = document.getElementById("sort");
  if (sort) sort.addEventListener("change", () => sort.form.submit());
  // A facet's find box narrows the values already listed while typing;
  // Enter still asks the server, which searches all of the facet's values.
  document.querySelectorAll(".facet-find input[data-facet]").forEach((input) => {
    const list = document.querySelector(`#facet-${input.dataset.facet} .facet-values`);
    if (!list) return;
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      list.querySelectorAll("li").forEach((li) => {
        const name = (li.querySelector("[data-value]")?.dataset.value || "").toLowerCase();
        li.hidden = needle !== "" && !name.includes(needle);
      });
    });
  });
});
