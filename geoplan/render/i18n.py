"""Labels in Vietnamese (default) and English, and locale-aware number formatting."""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["TRACKS", "Lang", "fmt_num", "fmt_pct", "label", "strings", "tr"]

Lang = Literal["vi", "en"]

TRACKS = ("resettlement", "infrastructure", "investment")

_STRINGS: dict[str, tuple[str, str]] = {
    # key: (vi, en)
    "legend": ("Chú giải", "Legend"),
    "layers_legend": ("Lớp bản đồ và chú giải", "Layers and legend"),
    "search_placeholder": ("Tìm thôn, xã, huyện…", "Find a village, commune, district…"),
    "search_none": ("Không tìm thấy", "No match"),
    "kind_village": ("Thôn", "Village"),
    "kind_commune": ("Xã", "Commune"),
    "kind_district": ("Huyện", "District"),
    "fullscreen": ("Toàn màn hình", "Full screen"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "minutes": ("phút", "min"),
    "synthetic": (
        "Dữ liệu minh hoạ tổng hợp trên ranh giới thật: ranh giới, tên, mã và dân số 2025 của "
        "các xã, phường (2025), ranh giới tỉnh và biên giới là thật; ranh giới xã năm 2022, thôn, "
        "địa hình, sạt lở, rừng, đường, sông và mọi số liệu khác là tổng hợp – không dùng cho "
        "quyết định thật",
        "Synthetic demo data on real boundaries: the boundaries, names, codes and 2025 "
        "population of the communes and wards (2025), the province outline and the border are "
        "real; the 2022 commune boundaries, villages, terrain, landslides, forest, roads, rivers "
        "and every other figure are synthetic – not for real decisions",
    ),
    "structure_2025": (
        "Số liệu theo cơ cấu hành chính hai cấp từ 01/7/2025 (tỉnh → xã, phường); số liệu "
        "2021–2024 của các xã cũ được quy đổi qua bảng chuyển đổi (crosswalk.csv)",
        "Figures in the two-tier structure in force since 1 July 2025 (province → commune, "
        "ward); 2021–2024 figures of the former communes converted through the crosswalk "
        "(crosswalk.csv)",
    ),
    "structure_2022": (
        "Số liệu theo cơ cấu hành chính năm 2022 (tỉnh → huyện → xã); theo xã mới 2025 trong "
        "targets_by_commune_2025.csv khi có lớp xã 2025",
        "Figures in the 2022 structure (province → district → commune); per 2025 commune in "
        "targets_by_commune_2025.csv when a 2025 layer is given",
    ),
    "province": ("Ranh giới tỉnh", "Province boundary"),
    "districts": ("Ranh giới huyện", "District boundaries"),
    "communes_outline": ("Ranh giới xã", "Commune boundaries"),
    "hillshade": ("Địa hình (bóng đổ từ DEM)", "Terrain (hillshade from the DEM)"),
    "hill_lit": ("sườn đón sáng", "lit slope"),
    "hill_shadow": ("sườn khuất", "shaded slope"),
    "base_offline": (
        "Nền ngoại tuyến (đường, sông, biên giới, địa danh)",
        "Offline base (roads, rivers, border, place names)",
    ),
    "base_osm": ("OpenStreetMap (cần mạng)", "OpenStreetMap (needs network)"),
    "base_sat": ("Ảnh vệ tinh Esri (cần mạng)", "Esri satellite (needs network)"),
    "villages": ("Thôn, làng", "Villages"),
    "communes": ("Xã", "Communes"),
    "village": ("Thôn", "Village"),
    "commune": ("Xã", "Commune"),
    "district": ("Huyện", "District"),
    "score": ("Điểm ưu tiên", "Priority score"),
    "class": ("Cấp ưu tiên", "Priority class"),
    "rank": ("Thứ hạng", "Rank"),
    "rank_interval": ("Khoảng thứ hạng (5–95%)", "Rank interval (5–95%)"),
    "p_top": ("Xác suất trong nhóm đầu", "Probability of top group"),
    "contributions": ("Đóng góp vào điểm", "Contributions to the score"),
    "reason": ("Lý do", "Reason"),
    "households": ("Số hộ", "Households"),
    "population": ("Dân số", "Population"),
    "poverty_rate": ("Tỷ lệ hộ nghèo", "Poverty rate"),
    "em_share": ("Tỷ lệ hộ DTTS", "Ethnic-minority share"),
    "not_eligible": ("Không thuộc diện xét", "Not eligible"),
    "class_1": ("1 – Rất cao", "1 – Very high"),
    "class_2": ("2 – Cao", "2 – High"),
    "class_3": ("3 – Trung bình", "3 – Medium"),
    "class_4": ("4 – Thấp", "4 – Low"),
    "class_5": ("5 – Rất thấp", "5 – Very low"),
    "commune_score": ("Điểm ưu tiên cấp xã", "Commune priority score"),
    "track_resettlement": (
        "Bố trí, sắp xếp ổn định dân cư",
        "Resettlement and population stabilisation",
    ),
    "track_infrastructure": ("Hạ tầng thiết yếu tại chỗ", "Essential in-place infrastructure"),
    "track_investment": ("Đầu tư phát triển sản xuất", "Production investment"),
    "priority_map": ("Bản đồ ưu tiên", "Priority map"),
    "hazard_title": ("Bản đồ rà soát nguy cơ sạt lở", "Landslide hazard review map"),
    "dashboard_title": ("Tổng quan thực hiện các CTMTQG", "National Target Programmes overview"),
    "landslide_zones": ("Vùng nguy cơ sạt lở", "Landslide hazard zones"),
    "level": ("Cấp", "Level"),
    "level_1": ("Rất thấp", "Very low"),
    "level_2": ("Thấp", "Low"),
    "level_3": ("Trung bình", "Medium"),
    "level_4": ("Cao", "High"),
    "level_5": ("Rất cao", "Very high"),
    "forest": ("Rừng theo loại", "Forest by type"),
    "forest_special_use": ("Rừng đặc dụng", "Special-use forest"),
    "forest_protective": ("Rừng phòng hộ", "Protective forest"),
    "forest_production": ("Rừng sản xuất", "Production forest"),
    "border": ("Đường biên giới", "National border"),
    "border_belt": ("Vành đai biên giới", "Border belt"),
    "susceptibility": ("Xác suất sạt lở (mô hình)", "Landslide susceptibility (model)"),
    "susc_low": ("thấp", "low"),
    "susc_high": ("cao", "high"),
    "exposure": ("Thôn theo mức phơi nhiễm", "Villages by exposure"),
    "exp_3": ("Nằm trong vùng nguy cơ cao", "Inside a high-hazard zone"),
    "exp_2": ("Một phần diện tích trong vùng cao", "Part of the area in a high zone"),
    "exp_1": ("Cách vùng cao dưới 1 km", "Within 1 km of a high zone"),
    "exp_0": ("Không phơi nhiễm", "Not exposed"),
    "hh_exposed_by_level": ("Số hộ phơi nhiễm theo cấp", "Households exposed by level"),
    "hh_exposed_high": ("Hộ trong vùng cao", "Households in high zones"),
    "distances": ("Khoảng cách", "Distances"),
    "dist_high": ("Đến vùng sạt lở cao", "To a high landslide zone"),
    "dist_border": ("Đến biên giới", "To the border"),
    "dist_suf": ("Đến rừng đặc dụng", "To special-use forest"),
    "dist_river": ("Đến sông suối", "To a river"),
    "dist_road": ("Đến đường", "To a road"),
    "travel_commune": ("Thời gian đến trung tâm xã", "Travel to the commune centre"),
    "flags": ("Lý do cần rà soát", "Why it is flagged"),
    "flag_in_high": (
        "Điểm dân cư nằm trong vùng sạt lở cấp {level}",
        "Settlement inside a level-{level} landslide zone",
    ),
    "flag_share_high": (
        "{share} diện tích thôn trong vùng sạt lở cao",
        "{share} of the village area in high landslide zones",
    ),
    "flag_near_high": ("Cách vùng sạt lở cao {dist}", "{dist} from a high landslide zone"),
    "flag_susc": ("Mô hình cho xác suất sạt lở {p}", "Modelled landslide probability {p}"),
    "flag_suf": ("Trong rừng đặc dụng {name}", "Inside special-use forest {name}"),
    "flag_prf": ("Trong rừng phòng hộ {name}", "Inside protective forest {name}"),
    "flag_border": (
        "Trong vành đai biên giới ({dist} đến biên giới)",
        "In the border belt ({dist} to the border)",
    ),
    "exposed_table": (
        "Hộ phơi nhiễm sạt lở theo xã",
        "Households exposed to landslides by commune",
    ),
    "exposed_communes": (
        "Xã theo số hộ trong vùng sạt lở cao",
        "Communes by households in high zones",
    ),
    "moves": ("Di dời đề xuất", "Proposed moves"),
    "distance": ("Khoảng cách", "Distance"),
    "eligible_villages": ("Thôn thuộc diện xét", "Eligible villages"),
    "priority1_villages": ("Thôn ưu tiên cấp 1", "Priority-1 villages"),
    "priority1_households": ("Số hộ ở thôn cấp 1", "Households in priority-1 villages"),
    "mean_score": ("Điểm trung bình", "Mean score"),
    "best_rank": ("Thứ hạng cao nhất", "Best rank"),
    "priority1_by_commune": ("Xã theo số thôn ưu tiên cấp 1", "Communes by priority-1 villages"),
    "ntm_priority": ("Ưu tiên xây dựng NTM cấp xã", "Commune NTM priority"),
    "status_behind": ("Chậm tiến độ", "Behind"),
    "status_achieved": ("Đạt", "Achieved"),
    "status_not_computable": ("Không tính được", "Not computable"),
    "status_not_applicable": ("Không áp dụng", "Not applicable"),
    "status_no_data_or_na": ("Thiếu dữ liệu / không áp dụng", "No data / not applicable"),
    "villages_exposed": ("Thôn phơi nhiễm", "Villages exposed"),
    "total": ("Tổng", "Total"),
    "ntm_status": ("Nông thôn mới", "New rural status"),
    "ntm_none": ("Chưa đạt", "Not yet"),
    "ntm_standard": ("Đạt chuẩn", "Standard"),
    "ntm_advanced": ("Nâng cao", "Advanced"),
    "ntm_model": ("Kiểu mẫu", "Model"),
    "ntm_criteria": ("Số tiêu chí NTM đạt", "NTM criteria met"),
    "poverty_map": ("Tỷ lệ hộ nghèo theo xã", "Poverty rate by commune"),
    "targets": ("Mục tiêu Nghị quyết (T1–T19)", "Resolution targets (T1–T19)"),
    "target": ("Mục tiêu", "Target"),
    "value": ("Hiện trạng", "Current"),
    "status": ("Tình trạng", "Status"),
    "district_summary": ("Tổng hợp theo huyện", "Summary by district"),
    "commune_summary": ("Tổng hợp theo xã", "Summary by commune"),
    "villages_n": ("Số thôn", "Villages"),
    "communes_n": ("Số xã", "Communes"),
    "ntm_communes": ("Xã đạt NTM", "NTM communes"),
    "region": ("Khu vực", "Region"),
    "is_atk": ("Xã ATK", "Safe-zone (ATK) commune"),
    "is_especially_difficult": ("Đặc biệt khó khăn", "Especially difficult"),
    "has_cooperative": ("Có hợp tác xã", "Has a cooperative"),
    "chart_poverty": ("Tỷ lệ hộ nghèo theo huyện", "Poverty rate by district"),
    "chart_ntm": ("Số xã theo số tiêu chí NTM đạt", "Communes by NTM criteria met"),
    "chart_exposed": (
        "Hộ trong vùng sạt lở cao theo huyện",
        "Households in high landslide zones by district",
    ),
    "status_met": ("Đạt", "Met"),
    "status_no_target": ("Không có chỉ tiêu riêng", "No target of its own"),
    "status_achieved_or_on_track": ("Đạt / đúng tiến độ", "Achieved / on track"),
    "gap_layer": (
        "Khoảng cách đến mục tiêu T5 (≥ 15 tiêu chí)",
        "Gap to target T5 (≥ 15 criteria)",
    ),
    "gap_met": ("Đã đạt ≥ 15 tiêu chí", "Meets ≥ 15 criteria"),
    "gap_n": ("Còn thiếu {n} tiêu chí", "{n} criteria short"),
    "gap_t5": ("Số tiêu chí còn thiếu (đến 15)", "Criteria short of 15"),
    "ntm_criteria_by_year": ("Số tiêu chí NTM theo năm", "NTM criteria by year"),
    "chart_targets": (
        "Tiến độ so với mục tiêu (thanh: hiện trạng / mục tiêu; đường: theo năm)",
        "Progress to target (bar: value / target; line: by year)",
    ),
    "status_not_met": ("Chưa đạt", "Not met"),
    "status_on_track": ("Đúng tiến độ", "On track"),
    "status_off_track": ("Chậm tiến độ", "Off track"),
    "status_no_data": ("Thiếu dữ liệu", "No data"),
    "report_title": ("Báo cáo xếp hạng ưu tiên", "Priority ranking report"),
    "generated_by": ("Tạo bởi geoplan", "Made with geoplan"),
    "sites": ("Điểm tái định cư đề xuất", "Proposed resettlement sites"),
    "candidate_sites": ("Quỹ đất tái định cư còn trống", "Unused candidate sites"),
    "site_full": ("Đã sử dụng hết", "Full"),
    "site_half": ("Đã sử dụng ≥ 50 %", "≥ 50 % used"),
    "site_low": ("Đã sử dụng < 50 %", "< 50 % used"),
    "site_unused": ("Chưa sử dụng", "Unused"),
    "capacity_hh": ("Sức chứa (hộ)", "Capacity (households)"),
    "used_hh": ("Đã bố trí (hộ)", "Used (households)"),
    "free_hh": ("Còn trống (hộ)", "Free (households)"),
    "use_share": ("Tỷ lệ sử dụng", "Share used"),
    "area_ha": ("Diện tích (ha)", "Area (ha)"),
    "slope_mean": ("Độ dốc trung bình (độ)", "Mean slope (degrees)"),
    "road_dist": ("Khoảng cách đến đường", "Distance to a road"),
    "suitability": ("Mức phù hợp (0–1)", "Suitability (0–1)"),
    "moving_in": ("Các thôn chuyển đến", "Villages moving in"),
    # site safety (plan/site_safety.py): popups, GeoPackage styles, report
    "official_level_site": ("Cấp sạt lở chính thức cao nhất", "Highest official landslide level"),
    "model_share_high": ("Tỷ lệ diện tích mô hình cấp 4–5", "Share in modelled levels 4–5"),
    "susceptibility_mean": ("Xác suất sạt lở mô hình (TB)", "Modelled landslide probability"),
    "slope_p90": ("Độ dốc phân vị 90 (độ)", "90th-percentile slope (degrees)"),
    "river_dist": ("Khoảng cách đến sông suối", "Distance to a river"),
    "steep_dist": ("Khoảng cách đến sườn dốc", "Distance to steep ground"),
    "protected_forest_share": ("Tỷ lệ rừng đặc dụng/phòng hộ", "Share in protected forest"),
    "verify_field": ("Cần kiểm tra thực địa", "Verify in the field"),
    "rejected_sites": ("Điểm bị loại vì không an toàn", "Sites rejected as unsafe"),
    "verify_sites": ("Điểm cần kiểm tra thực địa", "Sites to verify in the field"),
    "verify_model_higher": (
        "Mô hình cấp 4–5, bản đồ chính thức ≤ 2",
        "Model level 4–5, official map ≤ 2",
    ),
    "verify_official_higher": (
        "Bản đồ chính thức cấp 4–5, mô hình ≤ 2",
        "Official map level 4–5, model ≤ 2",
    ),
    "verify_intro": (
        "Mô hình và bản đồ phân vùng chính thức khác nhau tại các điểm này (tỷ lệ diện tích cấp"
        " 4–5: chính thức / mô hình); cần kiểm tra thực địa trước khi quyết định. Danh sách đầy đủ:"
        " resettlement_sites_to_verify.csv.",
        "The model and the official zoning disagree on these sites (share in levels 4–5:"
        " official / model); check on the ground before deciding. Full list:"
        " resettlement_sites_to_verify.csv.",
    ),
    "verify_none": (
        "Mô hình và bản đồ chính thức thống nhất tại mọi điểm.",
        "The model and the official map agree on every site.",
    ),
    "site_safety": ("Điểm đến an toàn", "Safe destinations"),
    "site_safety_intro": (
        "Mỗi điểm dự kiến được đánh giá theo các quy tắc an toàn của kịch bản; điểm vi phạm bị"
        " loại kèm lý do. Một thôn chỉ được chuyển đến điểm an toàn hơn nơi ở hiện tại theo mọi"
        " loại nguy cơ kịch bản nêu (cấp sạt lở chính thức, xác suất mô hình, độ dốc).",
        "Every candidate site is checked against the scenario's safety rules; a site that breaks"
        " one is rejected with its reason. A village only moves to a site safer than where it"
        " lives on every hazard the scenario names (official level, modelled probability,"
        " slope).",
    ),
    "rule": ("Quy tắc", "Rule"),
    "limit": ("Giới hạn", "Limit"),
    "cites": ("Căn cứ nghị quyết", "Resolution"),
    "sites_rejected": ("Số điểm bị loại", "Sites rejected"),
    "rule_official_level": ("Vùng sạt lở chính thức", "Official landslide zones"),
    "rule_model_level": ("Vùng nguy cơ theo mô hình", "Modelled susceptibility"),
    "rule_slope_mean": ("Độ dốc trung bình", "Mean slope"),
    "rule_slope_p90": ("Độ dốc phân vị 90", "90th-percentile slope"),
    "rule_near_river": ("Cách sông suối (lũ quét)", "Distance from rivers (flash floods)"),
    "rule_near_steep_slope": ("Cách chân sườn dốc", "Distance from steep slopes"),
    "rule_protected_forest": ("Rừng đặc dụng, phòng hộ", "Special-use and protective forest"),
    "moves_safety": ("So sánh nguy cơ nơi đi – nơi đến", "Hazard at origin and destination"),
    "official_level_move": ("Cấp chính thức", "Official level"),
    "probability_move": ("Xác suất mô hình", "Modelled probability"),
    "probability_drop": ("Giảm xác suất", "Probability drop"),
    "slope_move": ("Độ dốc (độ)", "Slope (degrees)"),
    "slope_drop": ("Giảm độ dốc", "Slope drop"),
    "site_model_high": ("Điểm đến: mô hình cấp 4–5", "Site in model levels 4–5"),
    "safer_than_origin": ("An toàn hơn", "Safer"),
    "site_status_kept": ("Giữ lại", "Kept"),
    "site_status_rejected": ("Bị loại", "Rejected"),
    "same_commune": ("Trong cùng xã", "Within the commune"),
    "destination": ("Xã nơi đến", "Destination commune"),
    "move_same": ("Di dời trong xã", "Move within the commune"),
    "move_other": ("Di dời sang xã khác", "Move to another commune"),
    "site": ("Điểm TĐC", "Site"),
    "moves_to": ("Chuyển đến", "Moves to"),
    "funding_status": ("Vốn", "Funding"),
    "funded_year": ("Năm được cấp vốn", "Year funded"),
    "funding_funded": ("Đã bố trí vốn", "Funded"),
    "funding_unfunded": ("Chưa có vốn", "Not funded"),
    "funding_partly_funded": ("Có một phần vốn", "Partly funded"),
    "not_placed": ("Chưa bố trí được", "Not placed"),
    "not_placed_reason": ("Lý do chưa bố trí được", "Why it was not placed"),
    "not_placed_villages": ("Thôn chưa bố trí được nơi đến", "Villages with no destination"),
    "circle_size": ("Kích thước vòng tròn: số hộ", "Circle size: households"),
    "first_title": ("Việc cần làm trước", "What to do first"),
    "top_communes": ("Xã cần ưu tiên", "Communes first"),
    "p1_villages_short": ("thôn ưu tiên 1", "priority-1 villages"),
    "plan_totals": ("Kế hoạch: tổng số", "The plan in totals"),
    "moved_villages": ("Thôn được bố trí nơi đến", "Villages given a destination"),
    "moved_households": ("Số hộ di dời", "Households moved"),
    "funded_moves": ("Di dời đã có vốn", "Moves funded"),
    "unfunded_moves": ("Di dời chưa có vốn", "Moves not funded"),
    "money_by_programme_year": (
        "Kinh phí được cấp theo chương trình và năm",
        "Funded cost by programme and year",
    ),
    "targets_behind": ("Mục tiêu chậm tiến độ", "Targets behind schedule"),
    "summary": ("Tóm tắt", "Summary"),
    "provenance": ("Nguồn gốc dữ liệu và kết quả", "Provenance"),
    "ranked_what": ("Đã xếp hạng", "What was ranked"),
    "ranked_sentence": (
        "{villages} thôn, làng trong {communes} xã, theo các hướng: {tracks}",
        "{villages} villages in {communes} communes, on the tracks: {tracks}",
    ),
    "scenario_name": ("Tên kịch bản", "Scenario name"),
    "scenario_title": ("Tiêu đề", "Title"),
    "scenario_file": ("Tệp kịch bản", "Scenario file"),
    "input_file": (
        "Tệp đầu vào (so với thư mục kịch bản)",
        "Input file (relative to the scenario)",
    ),
    "hh_unit": ("hộ", "households"),
    # report: resettlement
    "resettlement": ("Tái định cư", "Resettlement"),
    "resettlement_intro": (
        "Thôn có nguy cơ được bố trí nguyên thôn về điểm tái định cư phù hợp; phương án tối ưu"
        " (MILP) bố trí nhiều hộ nhất rồi giảm tổng quãng đường, so với phương án tham lam"
        " theo thứ tự ưu tiên.",
        "At-risk villages move whole to a suitable site; the exact plan (MILP) places the most"
        " households, then the least household-km, compared with a greedy plan in priority"
        " order.",
    ),
    "villages_at_risk": ("Số thôn có nguy cơ", "Villages at risk"),
    "villages_placed": ("Số thôn được bố trí", "Villages placed"),
    "villages_unplaced": ("Số thôn chưa bố trí được", "Villages not placed"),
    "households_at_risk": ("Số hộ có nguy cơ", "Households at risk"),
    "households_moved": ("Số hộ di dời", "Households moved"),
    "households_unplaced": ("Số hộ chưa bố trí được", "Households not placed"),
    "distance_total": ("Tổng quãng đường di dời (theo thôn)", "Total distance (per village)"),
    "distance_mean": ("Quãng đường trung bình mỗi thôn", "Mean distance per village"),
    "distance_hh_mean": ("Quãng đường trung bình mỗi hộ", "Mean distance per household"),
    "moves_same_commune": ("Số thôn di dời trong xã", "Moves within the commune"),
    "milp_vs_greedy": (
        "Phương án tối ưu (MILP) so với phương án tham lam",
        "Exact plan (MILP) compared with greedy",
    ),
    "indicator": ("Chỉ tiêu", "Measure"),
    "method_milp": ("Tối ưu (MILP)", "Exact (MILP)"),
    "method_greedy": ("Tham lam", "Greedy"),
    "cmp_villages": ("Thôn được bố trí", "Villages placed"),
    "cmp_households": ("Hộ được bố trí", "Households placed"),
    "cmp_household_km": ("Hộ × km", "Household-km"),
    "cmp_mean_hh_km": ("Quãng đường trung bình mỗi hộ (km)", "Mean distance per household (km)"),
    "cmp_same_commune": ("Di dời trong xã", "Moves within the commune"),
    "solver_status": ("Trạng thái bộ giải", "Solver status"),
    "unplaced": ("Thôn chưa bố trí được và lý do", "Villages not placed and why"),
    "all_placed": ("Mọi thôn có nguy cơ đều được bố trí.", "Every at-risk village is placed."),
    "first_n": (
        "{n} trên {total} dòng đầu (đầy đủ trong tệp CSV).",
        "First {n} of {total} rows (all in the CSV).",
    ),
    "reason_no_households": ("Thôn không có số hộ", "The village has no households"),
    "reason_no_sites": ("Không có quỹ đất phù hợp", "No suitable site"),
    "reason_out_of_reach": (
        "Không có điểm phù hợp trong phạm vi cho phép",
        "No suitable site within reach",
    ),
    "reason_too_large": (
        "Thôn lớn hơn sức chứa của mọi điểm trong phạm vi",
        "Larger than every reachable site",
    ),
    "reason_sites_full": (
        "Các điểm trong phạm vi đã được bố trí cho thôn cùng hoặc ưu tiên cao hơn",
        "Reachable sites are full of villages of the same or a higher priority",
    ),
    "reason_no_safer_site": (
        "Không có điểm nào trong phạm vi an toàn hơn nơi ở hiện tại",
        "No reachable site is safer than the village",
    ),
    # plan totals (report and dashboard)
    "plan_phasing": (
        "Kế hoạch: tiến độ di dời, vốn, trạng thái bộ giải",
        "The plan: moves per year, money, solver status",
    ),
    "assignment_status": ("Bố trí điểm tái định cư", "Site assignment"),
    "allocation_status": ("Phân bổ vốn", "Budget allocation"),
    "status_optimal": ("tối ưu", "optimal"),
    "status_feasible": ("khả thi, sai số đã chứng minh", "feasible, proven gap"),
    "status_heuristic": ("heuristic", "heuristic"),
    "moves_per_year": ("Số hộ di dời theo năm", "Households moved per year"),
    "move_funded": ("Có vốn", "Funded"),
    "move_unfunded": ("Chưa có vốn", "Unfunded"),
    "money_per_year": ("Chi theo chương trình, nguồn và năm", "Spend per programme, source, year"),
    # report: allocation
    "allocation": ("Phân bổ vốn", "Budget allocation"),
    "allocation_intro": (
        "Mỗi nhu cầu được cấp vốn tối đa một lần (không trùng lặp); phương án tối ưu tối đa"
        " hoá lợi ích có chiết khấu theo năm trong giới hạn vốn từng chương trình, nguồn và"
        " năm, so với cách chọn tham lam theo điểm.",
        "Each need is funded at most once (no double funding); the optimum maximises the"
        " benefit, discounted by year, within each programme's, source's and year's budget,"
        " compared with a greedy choice by score.",
    ),
    "objective": ("Lợi ích có chiết khấu (mục tiêu)", "Discounted benefit (objective)"),
    "benefit": ("Lợi ích", "Benefit"),
    "cost": ("Kinh phí", "Cost"),
    "funded_n": ("Số hạng mục được cấp vốn", "Interventions funded"),
    "greedy_funded_n": ("Số hạng mục (tham lam)", "Funded (greedy)"),
    "optimum": ("Tối ưu", "Optimum"),
    "greedy_by_score": ("Tham lam theo điểm", "Greedy by score"),
    "gain_over_greedy": ("Lợi ích tăng so với tham lam", "Gain over greedy"),
    "mip_gap": ("Sai số tối ưu (MIP gap)", "MIP gap"),
    "alloc_method": ("Phương pháp (trạng thái)", "Method (status)"),
    "total_budget": ("Tổng vốn", "Total budget"),
    "unspent": ("Vốn chưa sử dụng", "Unspent"),
    "budget_use": (
        "Sử dụng vốn theo chương trình, nguồn và năm",
        "Budget use by programme, source and year",
    ),
    "programme": ("Chương trình", "Programme"),
    "source": ("Nguồn vốn", "Source"),
    "year": ("Năm", "Year"),
    "budget": ("Kế hoạch vốn", "Budget"),
    "spend": ("Chi – tối ưu", "Spend, optimum"),
    "spend_greedy": ("Chi – tham lam", "Spend, greedy"),
    "binding": ("Ràng buộc chặt", "Binding"),
    "binding_constraints": ("Các ràng buộc chặt", "Binding constraints"),
    "binding_budget": (
        "Vốn {line}: đã dùng {spend} / {budget} {currency}; thêm 1 {currency} tăng lợi ích {price}",
        "Budget {line}: {spend} of {budget} {currency} used; one more adds {price} benefit",
    ),
    "no_binding": ("Không có ràng buộc nào chặt.", "No constraint is binding."),
    "by_kind": ("Theo loại hạng mục", "By kind of intervention"),
    "intervention": ("Hạng mục", "Intervention"),
    "candidates": ("Số nhu cầu", "Candidates"),
    "beneficiaries": ("Số hộ hưởng lợi", "Beneficiaries"),
    "top_funded": ("Các hạng mục được cấp vốn có lợi ích lớn nhất", "Top funded interventions"),
    "nothing_funded": ("Không hạng mục nào được cấp vốn.", "Nothing is funded."),
    "where": ("Địa điểm", "Where"),
    "funding": ("Chương trình (nguồn)", "Programme (source)"),
    # hazard map: the susceptibility model beside the official zones
    "model_zones": ("Vùng nguy cơ theo mô hình", "Modelled landslide levels"),
    "model_zones_note": (
        "Khái quát hoá cho bản đồ web (bỏ mảng < {area} km², đơn giản hoá {tol} m)",
        "Generalised for the web map (patches < {area} km² dropped, {tol} m simplification)",
    ),
    "disagreement": ("Chênh lệch chính thức – mô hình", "Official vs model disagreement"),
    "dis_up": ("Mô hình cao hơn bản đồ chính thức", "Model higher than official"),
    "dis_down": ("Mô hình thấp hơn bản đồ chính thức", "Model lower than official"),
    "official_level": ("Cấp theo bản đồ chính thức", "Official level"),
    "model_level": ("Cấp theo mô hình", "Modelled level"),
    "level_diff": ("Chênh lệch (cấp)", "Difference (levels)"),
    "area_km2": ("Diện tích (km²)", "Area (km²)"),
    "hazard_panel": ("Mô hình và hộ phơi nhiễm sạt lở", "Landslide model and exposure"),
    "model_summary": ("Mô hình nhạy cảm sạt lở", "Landslide susceptibility model"),
    "spatial_cv_auc": ("AUC kiểm định chéo theo không gian", "Spatial cross-validation AUC"),
    "random_cv_auc": ("AUC kiểm định chéo ngẫu nhiên", "Random cross-validation AUC"),
    "top_factors": ("Yếu tố quan trọng nhất", "Top factors"),
    "disagreement_km2": (
        "Diện tích hai bản đồ lệch nhau ≥ 2 cấp",
        "Area where the maps differ by two or more levels",
    ),
    "factor_slope": ("Độ dốc", "Slope"),
    "factor_aspect_sin": ("Hướng sườn (sin)", "Aspect (sine)"),
    "factor_aspect_cos": ("Hướng sườn (cos)", "Aspect (cosine)"),
    "factor_plan_curvature": ("Độ cong mặt bằng", "Plan curvature"),
    "factor_profile_curvature": ("Độ cong mặt cắt", "Profile curvature"),
    "factor_relief": ("Chênh cao địa hình", "Relief"),
    "factor_twi": ("Chỉ số ẩm địa hình", "Wetness index"),
    "factor_dist_river": ("Khoảng cách đến sông suối", "Distance to rivers"),
    "factor_dist_road": ("Khoảng cách đến đường", "Distance to roads"),
    "factor_forest_special_use": ("Rừng đặc dụng", "Special-use forest"),
    "factor_forest_protective": ("Rừng phòng hộ", "Protective forest"),
    "factor_forest_production": ("Rừng sản xuất", "Production forest"),
    "factor_rainfall": ("Lượng mưa", "Rainfall"),
    # 2025 communes (merged structure)
    "communes_2025": ("Xã mới (2025)", "Communes 2025 (merged)"),
    "communes_2022": ("Các xã cũ (2022) hợp thành", "2022 communes merged into it"),
    "funded_cost": ("Kinh phí được cấp", "Funded cost"),
    "targets_short": ("Mục tiêu", "Targets"),
}


def tr(key: str, lang: Lang) -> str:
    """Return the label ``key`` in ``lang`` (the key itself when unknown)."""
    pair = _STRINGS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


_RUNTIME_KEYS = (
    "legend",
    "layers_legend",
    "search_placeholder",
    "search_none",
    "kind_village",
    "kind_commune",
    "kind_district",
    "fullscreen",
    "yes",
    "no",
    "minutes",
)


def strings(lang: Lang) -> dict[str, str]:
    """Return the labels the map runtime (``geoplan.js``) needs, in ``lang``."""
    return {key: tr(key, lang) for key in _RUNTIME_KEYS}


def label(key: str, lang: Lang, **values: str) -> str:
    """Return a label with ``{placeholders}`` filled in."""
    return tr(key, lang).format(**values)


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_num(x: object, lang: Lang, digits: int = 0) -> str:
    """Format a number: ``1.234,5`` in Vietnamese, ``1,234.5`` in English.

    Parameters
    ----------
    x
        The value; anything that is not a finite number gives ``"–"``.
    lang
        ``"vi"`` or ``"en"``.
    digits
        Decimal places.

    Examples
    --------
    >>> fmt_num(1234.5, "vi", 1)
    '1.234,5'
    >>> fmt_num(1234.5, "en", 1)
    '1,234.5'
    """
    if not _finite(x):
        return "–"
    text = f"{float(x):,.{digits}f}"  # type: ignore[arg-type]
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_pct(x: object, lang: Lang, digits: int = 1) -> str:
    """Format a fraction 0–1 as a percentage (``12,5 %`` in Vietnamese)."""
    if not _finite(x):
        return "–"
    return f"{fmt_num(100 * float(x), lang, digits)} %"  # type: ignore[arg-type]
