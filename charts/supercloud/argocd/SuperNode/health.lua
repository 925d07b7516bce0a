-- Argo CD health of a supercloud.dev SuperNode (a host with a node agent): Ready is Healthy, NotReady and a pending
-- spot interruption are Degraded, a cordoned host is Suspended, a node whose agent has not reported yet is Progressing.
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the node agent's first heartbeat"
  return hs
end

local ready = nil
local interruption = nil
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "Ready" then
      ready = c
    elseif c.type == "InterruptionPending" and c.status == "True" then
      interruption = c
    end
  end
end

if status.phase ~= "Ready" then
  hs.status = "Degraded"
  if ready ~= nil and ready.message ~= nil then
    hs.message = ready.message
  else
    hs.message = "The node agent stopped reporting"
  end
elseif interruption ~= nil or status.interruptionNotice ~= nil then
  hs.status = "Degraded"
  local when = ""
  if status.interruptionNotice ~= nil and status.interruptionNotice.time ~= nil then
    when = " at " .. status.interruptionNotice.time
  end
  hs.message = "The cloud reclaims this spot host" .. when
elseif obj.spec ~= nil and obj.spec.unschedulable == true then
  hs.status = "Suspended"
  hs.message = "Cordoned: no new SuperPods are placed here"
else
  hs.status = "Healthy"
  if ready ~= nil and ready.message ~= nil then
    hs.message = ready.message
  else
    hs.message = "Ready"
  end
end
return hs
