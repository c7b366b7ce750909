-- Wrap each table in a focusable, labelled region that scrolls on its own, so a wide
-- table never makes the whole page scroll sideways (WCAG 1.4.10 reflow at 320-360 px).
-- Used by Quarto (_quarto.yml `filters`) and by the pandoc fallback alike. HTML only.
--
-- The region is named from the table's caption. Under Quarto a captioned table in a
-- `tbl-` cell becomes a float and Quarto moves the caption off the table onto the float,
-- so the first pass copies each table float's caption onto the tables inside it (the
-- fallback has no floats: there the table's own caption is used).

local LABEL = "data-cic-region-label"

-- Column widths and what makes a table wide: the rule print.lua uses too, written once in
-- table-widths.lua (staged beside this filter; pandoc's `require` does not look there).
local measure = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "table-widths.lua" }))

local function stringify(x)
  if x == nil then
    return ""
  end
  return pandoc.utils.stringify(x)
end

local floats = {
  FloatRefTarget = function(float)
    if not FORMAT:match("html") or float.type ~= "Table" or float.content == nil then
      return nil
    end
    local label = stringify(float.caption_long)
    float.content = float.content:walk({
      Table = function(tbl)
        tbl.attributes[LABEL] = label
        return tbl
      end,
    })
    return float
  end,
}

local tables = {
  Table = function(tbl)
    if not FORMAT:match("html") then
      return nil
    end
    local label = tbl.attributes[LABEL]
    tbl.attributes[LABEL] = nil
    if label == nil or label == "" then
      label = stringify(tbl.caption.long)
    end
    if label == "" then
      label = "Table"
    end
    -- attributes as an ordered list of pairs: a Lua table would shuffle them between runs
    -- short headers ("Apr 23", "Mar 2024") never wrap: a month split over two lines reads badly
    for _, row in ipairs(tbl.head.rows) do
      for _, cell in ipairs(row.cells) do
        local text = pandoc.utils.stringify(cell.contents)
        if (utf8.len(text) or #text) <= 9 then
          cell.attr.classes:insert("nowrap")
        end
      end
    end
    -- widths from the Markdown's dashes would fix each column's share of the page; the
    -- browser sizes columns to their content better (labels wrap, figures do not)
    for i, spec in ipairs(tbl.colspecs) do
      tbl.colspecs[i] = { spec[1], pandoc.ColWidthDefault }
    end
    local classes = { "table-scroll" }
    if measure.is_wide_table(tbl) then
      table.insert(classes, "wide") -- printed on a landscape page (report.css)
    end
    return pandoc.Div({ tbl }, pandoc.Attr("", classes, {
      { "role", "region" }, { "tabindex", "0" }, { "aria-label", label },
    }))
  end,
}

return { floats, tables }
