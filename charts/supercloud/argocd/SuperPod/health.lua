-- Argo CD health of a supercloud.dev SuperPod (a nested VM): Running and Ready is Healthy, Migrating and the way to
-- Running are Progressing, Failed and a lost node are Degraded, Stopped (runStrategy Halted) is Suspended.
local hs = {}

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function text(c, default)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return default
end

local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to schedule the SuperPod"
  return hs
end

if obj.metadata.generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on generation " .. obj.metadata.generation
  return hs
end

local phase = status.phase
local ready = condition(status, "Ready")
local migrating = condition(status, "Migrating")
if phase == "Failed" then
  hs.status = "Degraded"
  hs.message = text(ready, "The SuperPod failed and will not be restarted")
elseif phase == "Unknown" then
  hs.status = "Degraded"
  hs.message = text(ready, "The agent of node " .. tostring(status.node) .. " stopped reporting")
elseif phase == "Stopped" then
  hs.status = "Suspended"
  hs.message = text(ready, "The SuperPod is stopped")
elseif phase == "Migrating" or status.migration ~= nil or (migrating ~= nil and migrating.status == "True") then
  -- The VM keeps running on its source while it moves: the SuperPod says so with status.migration and Migrating.
  hs.status = "Progressing"
  local m = status.migration or {}
  local what = text(migrating, "Migrating")
  if m.phase ~= nil then
    what = what .. " (" .. m.phase .. ")"
  end
  hs.message = what
elseif phase == "Running" then
  if ready ~= nil and ready.status == "True" then
    hs.status = "Healthy"
    hs.message = "Running on " .. tostring(status.node)
  else
    hs.status = "Progressing"
    hs.message = text(ready, "Running on " .. tostring(status.node) .. ", not Ready yet")
  end
else
  -- Pending, Scheduling, Scheduled, Starting: on the way to Running; an unschedulable SuperPod says why.
  hs.status = "Progressing"
  local scheduled = condition(status, "Scheduled")
  if scheduled ~= nil and scheduled.status == "False" then
    hs.message = text(scheduled, phase)
  else
    hs.message = text(ready, phase)
  end
end
return hs
