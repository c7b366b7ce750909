-- The pandoc fallback's share of what Quarto does itself (fallback.py runs it after
-- table-scroll.lua; Quarto never loads it):
--   * `content-visible` / `content-hidden` divs with `when-format` / `unless-format`
--     (html, docx, pdf or typst), as Quarto has them: charts use them to give DOCX and
--     PDF a PNG while HTML draws the Vega chart;
--   * a `cic-figure` div (written by shortcodes.py for a `fig-` cell with a `fig-cap`)
--     becomes a real figure: its last paragraph is the caption, the rest the content;
--   * "Figure N: " and "Table N: " before captions in HTML and DOCX, numbered in document
--     order as Quarto numbers them (typst numbers its figures and tables itself).

local function format_is(name)
  if name == "html" then
    return FORMAT:match("html") ~= nil
  elseif name == "pdf" or name == "typst" then
    return FORMAT == "typst"
  end
  return FORMAT == name
end

local function any_format(list)
  for name in string.gmatch(list or "", "[^%s,]+") do
    if format_is(name) then
      return true
    end
  end
  return false
end

local function shown(div)
  local when, unless = div.attributes["when-format"], div.attributes["unless-format"]
  local matches = (when ~= nil and any_format(when)) or (unless ~= nil and not any_format(unless))
  if div.classes:includes("content-visible") then
    return matches
  end
  return not matches -- content-hidden
end

local visibility = {
  Div = function(div)
    if div.classes:includes("content-visible") or div.classes:includes("content-hidden") then
      if shown(div) then
        return div.content
      end
      return {}
    end
  end,
}

local numbered = { Figure = 0, Table = 0 }

-- "Figure N: " / "Table N: " in HTML and DOCX; typst numbers figures and tables itself.
local function number(kind, inlines)
  if not (FORMAT:match("html") or FORMAT == "docx") or pandoc.utils.stringify(inlines) == "" then
    return inlines
  end
  numbered[kind] = numbered[kind] + 1
  return pandoc.Inlines(kind .. " " .. numbered[kind] .. ": ") .. inlines
end

local figures = {
  Div = function(div)
    if not div.classes:includes("cic-figure") or #div.content == 0 then
      return nil
    end
    local last = div.content[#div.content]
    local caption = pandoc.Inlines({})
    local body = div.content
    if last.t == "Para" or last.t == "Plain" then
      caption = number("Figure", last.content)
      body = pandoc.Blocks({ table.unpack(div.content, 1, #div.content - 1) })
    end
    if FORMAT == "docx" then
      -- pandoc's docx writer lays a Figure out as a one-cell table: keep it a picture
      -- paragraph followed by its caption (Word's Image Caption style) instead
      return {
        pandoc.Div(body, pandoc.Attr(div.identifier)),
        pandoc.Div({ pandoc.Para(caption) }, pandoc.Attr("", {}, { { "custom-style", "Image Caption" } })),
      }
    end
    return pandoc.Figure(body, { pandoc.Plain(caption) }, pandoc.Attr(div.identifier))
  end,
}

local tables = {
  Table = function(tbl)
    local long = tbl.caption.long
    if #long > 0 and (long[1].t == "Plain" or long[1].t == "Para") then
      long[1].content = number("Table", long[1].content)
      tbl.caption.long = long
      return tbl
    end
  end,
}

return { visibility, figures, tables }
