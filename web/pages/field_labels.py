"""Labels and choice words of the permit types' application fields, marked for the
Babel catalogue.

The apply page takes them from the marshmallow schemas at run time (see
:mod:`.apply_fields`), where extraction cannot see them; listing them here lets
``pybabel extract`` collect them so the English catalogue can translate them.
tests/web/test_apply_types.py fails when a schema gains a label that is not listed.
Regenerate: ``python -m web.pages.field_labels``.
"""

from __future__ import annotations

from .labels import N_

FIELD_LABELS = (
    N_('动火方式'),
    N_('动火部位'),
    N_('在运行的设备、管道上动火'),
    N_('在储罐区防火堤内动火'),
    N_('在管廊上动火'),
    N_('露天作业'),
    N_('风力(级)'),
    N_('风力≥5级仍须露天动火（不可推迟，升级管理）'),
    N_('风险辨识结果'),
    N_('在受限空间内动火（须在关联票号中填写受限空间作业票，GB 30871 4.6）；计入疲劳预警'),
    N_('受限空间名称（设备位号）'),
    N_('原有介质名称'),
    N_('富氧环境（氧含量上限 23.5 %VOL，GB 30871 6.4）'),
    N_('潮湿环境或狭小容器（照明电压不超过 12 V，GB 30871 4.13）'),
    N_('计划同时进入人数'),
    N_('有毒有害气体名称（气体检测须包括）'),
    N_('可燃气体名称（气体检测须包括）'),
    N_('作业类别'),
    N_('堵'),
    N_('抽'),
    N_('设备、管道名称'),
    N_('管道编号（同一管道同时只允许一处盲板抽堵）'),
    N_('介质'),
    N_('温度 °C'),
    N_('压力 MPa（表压）'),
    N_('有毒介质'),
    N_('酸碱等腐蚀性介质'),
    N_('盲板材质'),
    N_('盲板规格（如 DN100 PN2.5）'),
    N_('盲板位置图图号'),
    N_('盲板编号（与盲板位置图一致）'),
    N_('盲板位置图编制人'),
    N_('电源接入点'),
    N_('许可用电功率 kW'),
    N_('工作电压 V'),
    N_('用电设备名称及额定功率'),
    N_('用电设备名称'),
    N_('额定功率 kW'),
    N_('线路敷设方式'),
    N_('架空'),
    N_('沿墙/地面'),
    N_('直埋'),
    N_('电缆直埋深度 m（≥0.7 m）'),
    N_('架空高度 m（≥2.5 m，跨路≥5 m）'),
    N_('架空线路跨越道路'),
    N_('用电天数（≤15天，特殊情况≤30天）'),
    N_('超过15天的特殊原因'),
    N_('所服务的动火/受限空间作业票号（有效期随之）'),
    N_('火灾爆炸危险场所内确需临时用电（须气体检测，GB 30871 10.1）'),
    N_('作业高度（m），距坠落基准面'),
    N_('坠落基准面（如：地面、EL+12.0 m平台）'),
    N_('作业部位'),
    N_('客观危险因素（GB 30871 8.1.2）'),
    N_('阵风风力五级（风速8.0 m/s）及以上'),
    N_('平均气温等于或低于5 ℃的作业环境'),
    N_('接触冷水温度等于或低于12 ℃的作业'),
    N_('作业场地有冰'),
    N_('作业场所光线不足或能见度差'),
    N_('作业活动范围与危险电压带电体距离小于规定值'),
    N_('立足处任一边小于500 mm的矩形平面或直径小于500 mm的圆形平面'),
    N_('存在有毒气体或空气中含氧量低于19.5%（体积分数）'),
    N_('可能引起各种灾害事故的作业环境或抢险救灾作业'),
    N_('作业环境平均气温（℃），≤5 ℃为危险因素'),
    N_('接触的水温（℃），≤12 ℃为危险因素'),
    N_('立足处最小边长或直径（mm），<500 mm为危险因素'),
    N_('作业环境氧含量（%VOL），<19.5%为危险因素'),
    N_('附近带电体电压（kV）'),
    N_('作业活动范围与带电体距离（m）'),
    N_('风力（蒲福风级，0–17级）'),
    N_('天气'),
    N_('晴'),
    N_('多云'),
    N_('阴'),
    N_('小雨'),
    N_('中雨'),
    N_('大雨/暴雨'),
    N_('小雪'),
    N_('中雪'),
    N_('大雪/暴雪'),
    N_('轻雾'),
    N_('大雾/浓雾'),
    N_('雷雨'),
    N_('吊物质量（t）'),
    N_('吊物内容'),
    N_('吊具名称'),
    N_('起重机；两台及以上为多机抬吊'),
    N_('起重机（型号/编号）'),
    N_('额定起重量（t），按本次工况（幅度、臂长）'),
    N_('多机抬吊时本机分担的质量（t），不超过额定起重量的80%'),
    N_('司索人'),
    N_('吊装指挥人员'),
    N_('吊装方案；一级、二级及复杂吊物必填'),
    N_('吊物形状复杂、刚度小、长径比大、精密贵重或作业条件特殊'),
    N_('动土深度（m）'),
    N_('动土面积（m²）'),
    N_('作业方式'),
    N_('挖土'),
    N_('打桩'),
    N_('钻探'),
    N_('坑探'),
    N_('地锚入土'),
    N_('填土平整'),
    N_('使用施工机械'),
    N_('靠近地下可燃、有毒介质管线或窨井'),
    N_('已知的地下设施'),
    N_('电力电缆'),
    N_('通信电缆'),
    N_('给水管'),
    N_('消防水管'),
    N_('工艺管线'),
    N_('蒸汽管'),
    N_('排水管、窨井'),
    N_('不明管线'),
    N_('作业范围示意图'),
    N_('断路地段'),
    N_('断路原因'),
    N_('涉及相关单位（部门）'),
    N_('断路地段示意图'),
    N_('绕行路线与交通组织方案'),
    N_('夜间作业'),
)


def current() -> list[str]:
    """Every label and choice word the apply page shows today, in schema order."""
    from unittest import mock

    from ..api.permit_fields import TYPE_FIELDS
    from . import apply_fields

    found: list[str] = []

    def walk(items: list[apply_fields.Widget]) -> None:
        for w in items:
            words = [w.label, *(text for value, text in w.options if text != value)]
            found.extend(t for t in words if t not in found)
            walk(w.template)

    # untranslated, and without the hot-work methods (they have their own table)
    with mock.patch.object(apply_fields, "_", lambda text, **_kw: text), \
            mock.patch.object(apply_fields.labels, "label", lambda _t, key: key):
        for schema in TYPE_FIELDS.values():
            walk(apply_fields.widgets(schema, None))
    return found


if __name__ == "__main__":  # pragma: no cover
    for text in current():
        print(f"N_({text!r}),")
