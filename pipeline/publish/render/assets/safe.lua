-- Nothing in a published page may run or fetch (docs/rendering.md, "Untrusted text").
-- Both renderers read Markdown without raw HTML (`-raw_html`), the service's narrative
-- and commentary are re-written as plain Markdown when staged (stage.py) and config
-- values are escaped, so markup from edited files arrives here as text. This filter is
-- the last line, for every format under both renderers:
--   * raw HTML is kept only when it is one of the project's own blocks (a chart's
--     `div.vega-figure` with its spec, the content-start mark); anything else is shown as
--     the text it is. Fallback only: under Quarto the document's raw blocks include
--     Quarto's own page parts (and our skip link, colophon and Vega bundle), so there the
--     reader's `-raw_html` and the staged, re-written narrative are what keep markup out;
--   * a link keeps its text but loses its target unless that is a place in the page
--     (`#...`) or a web or mail address (`http:`, `https:`, `mailto:`): no `javascript:`,
--     `data:`, `file:` or `vbscript:` links;
--   * an image is published only from a `data:image/` URI or a file staged with the
--     report (a relative path); any other (a web address) becomes its description in
--     brackets, so nothing is fetched.

local OWN_RAW = {
  '^<div id="report%-content"></div>%s*$',
  '^<div class="vega%-figure"><div class="vega%-chart" id="[%w_%-]+" role="img" aria%-label="[^"<>]*" data%-spec=\'[^\'<>]*\'></div></div>%s*$',
}

local function own_html(text)
  for _, pattern in ipairs(OWN_RAW) do
    if text:match(pattern) then
      return true
    end
  end
  return false
end

-- Safe link targets and images as text: shared with untrusted.lua, written once in
-- neutralise.lua (staged beside this filter; pandoc's `require` does not look there).
local neutralise = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "neutralise.lua" }))

local UNDER_QUARTO = type(quarto) == "table"

local function is_html(format)
  return not UNDER_QUARTO and (format == "html" or format == "html5" or format == "html4")
end

local function local_image(src)
  local s = src:lower():gsub("^%s+", "")
  if s:match("^data:image/") then
    return true
  end
  -- no scheme (`x:`), no protocol-relative `//host`, no absolute path outside the stage
  return not s:match("^[%a][%w+.%-]*:") and s:sub(1, 2) ~= "//" and s:sub(1, 1) ~= "/"
end

-- Event handlers and inline styles never reach the page, whatever made the element.
local function no_handlers(el)
  if el.attr == nil then
    return nil
  end
  local kept, changed = {}, false
  for _, kv in ipairs(el.attr.attributes) do
    local key = kv[1]:lower()
    if key:match("^on") or key == "style" or key == "srcdoc" or key == "formaction" then
      changed = true
    else
      table.insert(kept, kv)
    end
  end
  if changed then
    el.attr = pandoc.Attr(el.attr.identifier, el.attr.classes, kept)
    return el
  end
end

return {
  {
    Div = no_handlers,
    Span = no_handlers,
    Header = no_handlers,
    Code = no_handlers,
    CodeBlock = no_handlers,
    Table = no_handlers,
    RawBlock = function(raw)
      if is_html(raw.format) and not own_html(raw.text) then
        return pandoc.CodeBlock(raw.text)
      end
    end,
    RawInline = function(raw)
      if is_html(raw.format) and not own_html(raw.text) then
        return pandoc.Code(raw.text)
      end
    end,
    Link = neutralise.link(no_handlers),
    Image = function(img)
      if not local_image(img.src) then
        return neutralise.image_as_text(img, "image not shown")
      end
    end,
  },
}
