-- Argo CD health of a supercloud.dev SuperPodMigration: Succeeded is Healthy, Failed is Degraded, Cancelled is
-- Suspended (stopped on request, the SuperPod runs where it was), every phase before is Progressing with the transfer.
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to admit the migration"
  return hs
end

local phase = status.phase
if phase == "Succeeded" then
  hs.status = "Healthy"
  local where = ""
  if status.target ~= nil and status.target.node ~= nil then
    where = " to " .. status.target.node
  end
  hs.message = "Migrated" .. where
  if status.totalTime ~= nil then
    hs.message = hs.message .. " in " .. status.totalTime
  end
  if status.downtime ~= nil then
    hs.message = hs.message .. ", downtime " .. status.downtime
  end
elseif phase == "Failed" then
  hs.status = "Degraded"
  local reason = status.failureReason or "Failed"
  if status.message ~= nil and status.message ~= "" then
    hs.message = reason .. ": " .. status.message
  else
    hs.message = reason
  end
elseif phase == "Cancelled" then
  hs.status = "Suspended"
  hs.message = status.message or "Cancelled; the SuperPod runs where it was"
else
  hs.status = "Progressing"
  hs.message = phase
  if status.message ~= nil and status.message ~= "" then
    hs.message = phase .. ": " .. status.message
  end
  local p = status.progress
  if phase == "Transferring" and p ~= nil and p.bytesSent ~= nil then
    local sent = p.bytesSent
    local remaining = p.bytesRemaining or 0
    if sent + remaining > 0 then
      hs.message = string.format("Transferring: %d%% (%d MiB sent, %d iterations)",
        math.floor(100 * sent / (sent + remaining)), math.floor(sent / 1048576), p.iterations or 0)
    end
  end
end
return hs
