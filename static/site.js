/* Every player page, on narrow screens (README "Accessibility and mobile"):

   - The header's menu folds behind the "Menu" button (#site-menu, aria-expanded says
     whether it is open; Escape closes it and gives the focus back to the button). The
     balance stays in sight. Without this script the button stays hidden and the menu
     wraps onto more lines.
   - Tables (.table) too wide for their place (on a phone, mostly) show each row as a block
     of "caption: value" lines (a table that fits stays a table): every cell gets
     its column's heading as data-label (site.css prints it before the value), and the
     table, its rows and cells get their ARIA roles back (a table shown as blocks loses
     them in some browsers). Without this script a wide table scrolls inside its own
     box instead, never the page. */
(function () {
  "use strict";
  var NARROW = window.matchMedia("(max-width: 64rem)");

  function menu() {
    var header = document.querySelector("header.top");
    var button = header && header.querySelector(".menu-toggle");
    var nav = document.getElementById("site-menu");
    if (!button || !nav) return;
    button.hidden = false;
    header.classList.add("folding");

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("open")) {
        setOpen(false);
        button.focus();
      }
    });
    NARROW.addEventListener("change", function () {
      setOpen(false);
    });
  }

  function tables() {
    document.querySelectorAll("table.table").forEach(function (table) {
      var headings = [];
      table.querySelectorAll("thead th").forEach(function (th) {
        for (var i = 0; i < (th.colSpan || 1); i += 1) headings.push(th.textContent.trim());
      });
      table.setAttribute("role", "table");
      table.querySelectorAll("thead, tbody, tfoot").forEach(function (group) {
        group.setAttribute("role", "rowgroup");
      });
      table.querySelectorAll("tr").forEach(function (row) {
        row.setAttribute("role", "row");
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.tagName === "TH") {
            cell.setAttribute("role", row.parentNode.tagName === "THEAD" ? "columnheader" : "rowheader");
          } else {
            cell.setAttribute("role", "cell");
            if (headings[column] && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", headings[column]);
            }
          }
          column += cell.colSpan || 1;
        });
      });
      table.classList.add("stacking");
    });
    stack();
    var waiting = null;
    window.addEventListener("resize", function () {  // (a phone turned, a window resized)
      clearTimeout(waiting);
      waiting = setTimeout(stack, 100);
    });
  }

  // A table wider than its place (on a phone, mostly) shows its rows as blocks; one that
  // fits stays a table.
  function stack() {
    document.querySelectorAll("table.table.stacking").forEach(function (table) {
      table.classList.remove("stacked");
      if (table.scrollWidth > table.parentElement.clientWidth + 1) {
        table.classList.add("stacked");
      }
    });
  }

  menu();
  tables();
})();
