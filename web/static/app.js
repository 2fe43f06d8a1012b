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
  // The reader: a click on a page image zooms it in place (the large
  // rendering, full width); a second click goes back. Without JS the link
  // opens the large image.
  document.querySelectorAll(".reader figure.image a").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      const page = link.closest("section.page");
      const img = link.querySelector("img");
      const zoomed = page.classList.toggle("zoomed");
      if (zoomed && !img.dataset.small) {
        img.dataset.small = img.src;
        img.src = link.href;
      }
      link.title = zoomed ? "Zoom out" : "Open the page image at full size";
      img.scrollIntoView({ block: "start" });
    });
  });
});
