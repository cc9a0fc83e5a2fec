-- Pipelined requests for wrk: each connection sends `depth` GET requests in
-- one write and waits for all the responses before the next batch; wrk
-- counts every response. Adapted from wrk's scripts/pipeline.lua.
-- Usage: wrk -s pipeline.lua URL -- DEPTH [PATH]
init = function(args)
   local depth = tonumber(args[1]) or 16
   local path = args[2] or "/"
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil, path)
   end
   req = table.concat(r)
end

request = function()
   return req
end
