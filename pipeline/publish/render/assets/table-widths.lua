-- Column widths of a table in characters, and whether it is too wide for A4 portrait:
-- shared by table-scroll.lua (HTML: the `wide` class, printed landscape by report.css)
-- and print.lua (PDF: a landscape page), so both outputs agree on which tables are wide.
-- Each filter loads it with `dofile` from its own folder.

local M = {}

-- A table is wide when its columns, at their widest cell (text columns counted up to 28
-- characters, as they wrap), need more than WIDE_CHARS characters: about what fits
-- across A4 portrait at the table font size.
M.WIDE_CHARS = 112

function M.cell_text(cell)
  return pandoc.utils.stringify(cell.contents or cell)
end

-- The widest cell of each column: header cells by their longest word (headers wrap
-- between words), body cells whole.
function M.column_widths(tbl)
  local widths = {}
  local function measure(rows, words)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        local text = M.cell_text(cell)
        local n = 0
        if words then
          for word in text:gmatch("%S+") do
            n = math.max(n, utf8.len(word) or #word)
          end
        else
          n = utf8.len(text) or #text
        end
        widths[i] = math.max(widths[i] or 0, n)
      end
    end
  end
  measure(tbl.head.rows, true)
  for _, body in ipairs(tbl.bodies) do
    measure(body.body, false)
  end
  return widths
end

function M.is_wide_table(tbl)
  local widths = M.column_widths(tbl)
  local total = 0
  for i, spec in ipairs(tbl.colspecs) do
    local w = widths[i] or 0
    if spec[1] ~= "AlignRight" then
      w = math.min(w, 28)
    end
    total = total + w + 2
  end
  return total > M.WIDE_CHARS
end

return M
