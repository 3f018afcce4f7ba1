// The newest revision in a window above the horizon written before the retention cutoff. `at` never
// decreases with the revision, so every revision up to it is prunable too.
MATCH (c:_Change)
WHERE c.store = $store AND c.revision > $from AND c.revision <= $to AND c.at < $cutoff
RETURN max(c.revision) AS revision
