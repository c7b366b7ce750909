-- DOCX under Quarto (_quarto.yml runs this `at: post-quarto`, after cross-references are
-- numbered and before floats are rendered). Quarto 1.7 writes every float in DOCX as a
-- one-cell layout table holding the content and the caption, so each data table sits
-- inside another table and each chart inside a table cell: confusing for screen readers
-- and for anyone editing the paper. Here a table float becomes its own table with the
-- caption on it ("Table N: ...", Word's Table Caption style), and a figure float its
-- picture followed by "Figure N: ..." in Word's Image Caption style, as the pandoc
-- fallback writes them (formats.lua). Other formats are left to Quarto.

local counts = {}

local function prefix(float)
  local kind = float.type
  local n
  if type(float.order) == "table" and float.order.number then
    n = float.order.number
  else
    counts[kind] = (counts[kind] or 0) + 1
    n = counts[kind]
  end
  return pandoc.Inlines(kind .. " " .. tostring(n) .. ": ")
end

local function as_blocks(content)
  local kind = pandoc.utils.type(content)
  if kind == "Blocks" then
    return content
  elseif kind == "Block" then
    return pandoc.Blocks({ content })
  elseif kind == "Inlines" then
    return pandoc.Blocks({ pandoc.Plain(content) })
  end
  return pandoc.Blocks({})
end

local function caption_inlines(float)
  local cap = float.caption_long
  if cap == nil then
    return pandoc.Inlines({})
  end
  if cap.content ~= nil and pandoc.utils.type(cap.content) == "Inlines" then
    return cap.content
  end
  return pandoc.Inlines(pandoc.utils.stringify(cap))
end

return {
  {
    FloatRefTarget = function(float)
      if not quarto.doc.is_format("docx") or float.content == nil then
        return nil
      end
      if float.type ~= "Table" and float.type ~= "Figure" then
        return nil
      end
      local caption = prefix(float) .. caption_inlines(float)
      local blocks = as_blocks(float.content)
      if float.type == "Table" then
        local done = false
        blocks = blocks:walk({
          Table = function(tbl)
            if done then
              return nil
            end
            done = true
            tbl.caption.long = { pandoc.Plain(caption) }
            return tbl
          end,
        })
        return pandoc.Div(blocks, pandoc.Attr(float.identifier))
      end
      -- not a pandoc Figure either: its docx writer lays figures out as one-cell tables too
      return {
        pandoc.Div(blocks, pandoc.Attr(float.identifier)),
        pandoc.Div({ pandoc.Para(caption) }, pandoc.Attr("", {}, { { "custom-style", "Image Caption" } })),
      }
    end,
  },
}
