-- Wrap each table in a focusable, labelled region that scrolls on its own, so a wide
-- table never makes the whole page scroll sideways (WCAG 1.4.10 reflow at 320-360 px).
-- Used by Quarto (_quarto.yml `filters`) and by the pandoc fallback alike. HTML only.
--
-- The region is named from the table's caption. Under Quarto a captioned table in a
-- `tbl-` cell becomes a float and Quarto moves the caption off the table onto the float,
-- so the first pass copies each table float's caption onto the tables inside it (the
-- fallback has no floats: there the table's own caption is used).

local LABEL = "data-cic-region-label"

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
    return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }, {
      { "role", "region" }, { "tabindex", "0" }, { "aria-label", label },
    }))
  end,
}

return { floats, tables }
