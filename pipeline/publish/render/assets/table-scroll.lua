-- Wrap each table in a focusable, labelled region that scrolls on its own, so a wide
-- table never makes the whole page scroll sideways (WCAG 1.4.10 reflow at 320-360 px).
-- Used by Quarto (_quarto.yml `filters`) and by the pandoc fallback alike. HTML only.
function Table(tbl)
  if not FORMAT:match("html") then
    return nil
  end
  local label = pandoc.utils.stringify(tbl.caption.long or {})
  if label == "" then
    label = "Table"
  end
  -- attributes as an ordered list of pairs: a Lua table would shuffle them between runs
  return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }, {
    { "role", "region" }, { "tabindex", "0" }, { "aria-label", label },
  }))
end
