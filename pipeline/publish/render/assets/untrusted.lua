-- The service's narrative and commentary, and any other text a person edits, as staged
-- (stage.py re-writes each such file through pandoc with this filter): read without raw
-- HTML, raw attributes or raw TeX, so `<script>` or an `<iframe>` is text; here, on top,
--   * key=value attributes are dropped (`{onclick=...}`, `{style=...}`): ids and classes
--     stay, so `::: {.service-edit}` boxes still work;
--   * links keep their text but lose any target other than a place in the page or a
--     web or mail address;
--   * images are not taken from edited files at all: each becomes its description.

local function clean_attr(el)
  if el.attr ~= nil and #el.attr.attributes > 0 then
    el.attr = pandoc.Attr(el.attr.identifier, el.attr.classes, {})
    return el
  end
end

-- Safe link targets and images as text: shared with safe.lua, written once in
-- neutralise.lua (staged beside this filter; pandoc's `require` does not look there).
local neutralise = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "neutralise.lua" }))

return {
  {
    Div = clean_attr,
    Span = clean_attr,
    Header = clean_attr,
    Code = clean_attr,
    CodeBlock = clean_attr,
    Table = clean_attr,
    RawBlock = function(raw)
      return pandoc.CodeBlock(raw.text)
    end,
    RawInline = function(raw)
      return pandoc.Code(raw.text)
    end,
    Link = neutralise.link(function(link)
      link.attr = pandoc.Attr(link.attr.identifier, link.attr.classes, {})
      return link
    end),
    Image = function(img)
      return neutralise.image_as_text(img, "image")
    end,
  },
}
