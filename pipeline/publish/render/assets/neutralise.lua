-- Links and images that could fetch or run something, made inert: shared by safe.lua
-- (every published page) and untrusted.lua (edited text, as staged), so what counts as
-- a safe target is written once. Each filter loads it with `dofile` from its own folder.

local M = {}

-- A place in the page (`#...`) or a web or mail address: no `javascript:`, `data:`,
-- `file:` or `vbscript:` targets.
function M.safe_target(target)
  local t = target:lower():gsub("^%s+", "")
  return t:sub(1, 1) == "#" or t:match("^https?://") ~= nil or t:match("^mailto:") ~= nil
end

-- A Link filter: an unsafe link becomes its text; a safe one is passed to `clean` (which
-- strips what the caller does not allow among its attributes).
function M.link(clean)
  return function(link)
    if not M.safe_target(link.target) then
      return link.content
    end
    return clean(link)
  end
end

-- An image as its description in brackets, `[<words>: <description>]`: nothing fetched.
function M.image_as_text(img, words)
  local alt = pandoc.utils.stringify(img.caption)
  return pandoc.Str("[" .. words .. ": " .. (alt ~= "" and alt or "no description") .. "]")
end

return M
