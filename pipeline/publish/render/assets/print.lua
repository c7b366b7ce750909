-- Tables on paper (PDF through typst, under Quarto and the pandoc fallback alike).
--
--   * Column widths: pipe tables carry relative widths from their dashes, which typst
--     turns into fixed percentages, so short figures were squeezed until they touched
--     ("93.0088.20") and headers hyphenated ("Eng- land"). Every column is set back to
--     automatic: typst sizes figures to their content and wraps only the text columns.
--   * Wide tables (twelve months, the pack's appendix) go on a landscape page of their
--     own: the block holding the table is wrapped in `#page(flipped: true)[...]` at the
--     top level of the document (a page cannot start inside a container).
--   * RAG spans (`[■ Red]{.rag .rag-red}`, present.rag_span) become GOV.UK-style
--     coloured tags that keep their text and shape.
-- Header rows repeat on every page (typst's table.header) and figures may break across
-- pages (the show rules in print.typ, included in the header under both renderers).

-- Column widths and what makes a table wide: the rule table-scroll.lua uses too, written once in
-- table-widths.lua (staged beside this filter; pandoc's `require` does not look there).
local measure = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "table-widths.lua" }))
local column_widths, is_wide_table = measure.column_widths, measure.is_wide_table

local RAG = {
  ["rag-green"] = { "#cce2d8", "#005a30" },
  ["rag-amber"] = { "#fff7bf", "#594d00" },
  ["rag-red"] = { "#f4cdc6", "#2a0b06" },
}

local function typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

local function is_wide(block)
  local wide = false
  local function check(tbl)
    if is_wide_table(tbl) then
      wide = true
    end
    return nil
  end
  block:walk({
    Table = check,
    FloatRefTarget = function(float)
      if float.content ~= nil then
        float.content:walk({ Table = check })
      end
    end,
  })
  return wide
end

-- Every column automatic, except the longest text column (an indicator's title), which
-- gets a share of the line so that it wraps instead of squeezing the figures.
local function auto_widths(tbl)
  local widths = column_widths(tbl)
  local longest, at = 28, nil
  for i, spec in ipairs(tbl.colspecs) do
    tbl.colspecs[i] = { spec[1], pandoc.ColWidthDefault }
    if spec[1] ~= "AlignRight" and (widths[i] or 0) > longest then
      longest, at = widths[i], i
    end
  end
  if at ~= nil then
    tbl.colspecs[at] = { tbl.colspecs[at][1], math.min(0.34, longest / 200) }
  end
  return tbl
end

local inner = {
  Table = auto_widths,
  FloatRefTarget = function(float)
    if float.content ~= nil then
      float.content = float.content:walk({ Table = auto_widths })
    end
    return float
  end,
  Span = function(span)
    for cls, colours in pairs(RAG) do
      if span.classes:includes(cls) then
        local text = pandoc.utils.stringify(span)
        return pandoc.RawInline(
          "typst",
          string.format(
            "#box(fill: rgb(%q), inset: (x: 3pt, y: 2pt), radius: 1pt)[#text(fill: rgb(%q), weight: \"bold\")[%s]]",
            colours[1],
            colours[2],
            "#" .. typst_string(text)
          )
        )
      end
    end
  end,
}

return {
  {
    Pandoc = function(doc)
      if FORMAT ~= "typst" then
        return nil
      end
      local out = pandoc.Blocks({})
      for _, block in ipairs(doc.blocks) do
        if is_wide(block) then
          out:insert(pandoc.RawBlock("typst", "#page(flipped: true)["))
          out:insert(block)
          out:insert(pandoc.RawBlock("typst", "]"))
        else
          out:insert(block)
        end
      end
      doc.blocks = out:walk(inner)
      return doc
    end,
  },
}
