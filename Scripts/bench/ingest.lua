-- wrk script: posts varied valid submissions of the shipped risk assessment.
-- Each request changes the system name, the country, a likelihood and the publication
-- choice, so rows and receipts differ. Non-2xx answers are counted by wrk as errors.
local countries = {"FR", "KE", "BR", "IN", "JP", "DE", "MX", "NG", "AU", "CA"}
local publications = {"confidential", "public_anonymous", "public_named"}
local template = [[{"answers":{"agency_type":"police","country":"%s","system_name":"System %d-%d",
"use_case_description":"Cameras read number plates and match them against a list of stolen vehicles; an officer reviews every match.",
"lifecycle_stage":"testing","people_affected":%d,
"lawful_basis_likelihood":%d,"lawful_basis_impact":3,"proportionality_likelihood":3,"proportionality_impact":3,
"accuracy_likelihood":2,"accuracy_impact":2,"safety_likelihood":1,"safety_impact":2,
"human_oversight_likelihood":2,"human_oversight_impact":3,"privacy_likelihood":4,"privacy_impact":3,
"discrimination_likelihood":2,"discrimination_impact":3,"redress_likelihood":2,"redress_impact":2,
"accountability_likelihood":1,"accountability_impact":3,"traceability_likelihood":2,"traceability_impact":2,
"human_review":"always","bias_testing":"internal","audit_logging":"full","contest_procedure":"partial",
"impact_assessment":"in_progress","missing_safeguards":["no_external_oversight"],"core_functions":"yes",
"other_rights_effects":"no","publication":"%s"}}]]

local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function request()
  counter = counter + 1
  local body = string.format(template, countries[counter % #countries + 1], id or 0, counter, counter * 7,
    counter % 5 + 1, publications[counter % #publications + 1])
  return wrk.format("POST", "/api/v1/surveys/ai-risk-assessment/submissions",
    {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT requests=%d duration=%.3f non2xx=%d socket_errors=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
