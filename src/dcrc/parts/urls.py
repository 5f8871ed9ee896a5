"""Parts warehouse URLs (namespace "parts", at /parts/)."""

from django.urls import path

from . import views

app_name = "parts"
urlpatterns = [
    # 配件目录
    path("", views.part_list, name="list"),
    path("options/", views.part_options, name="part_options"),
    path("new/", views.part_new, name="part_new"),
    path("<int:pk>/", views.part_detail, name="part_detail"),
    path("<int:pk>/edit/", views.part_edit, name="part_edit"),
    # 入库
    path("receive/", views.receive, name="receive"),
    # 领料 / 退料 / 换件 / 旧件回收
    path("requisitions/", views.requisition_queue, name="requisitions"),
    path("orders/<int:pk>/", views.order_parts, name="order"),
    path("orders/<int:pk>/old-parts/", views.old_part_add, name="old_part_add"),
    path("lines/<int:pk>/issue/", views.line_issue, name="line_issue"),
    path("lines/<int:pk>/return/", views.line_return, name="line_return"),
    path("lines/<int:pk>/exchange/", views.line_exchange, name="line_exchange"),
    path("old-parts/", views.old_part_list, name="old_parts"),
    # 预留 / 缺件
    path("appointments/", views.upcoming, name="upcoming"),
    path("appointments/<int:pk>/", views.appointment_parts, name="appointment"),
    path("appointments/<int:pk>/reserve/", views.appointment_reserve, name="appointment_reserve"),
    path("reservations/<int:pk>/release/", views.reservation_release, name="reservation_release"),
    path("backorders/", views.backorder_list, name="backorders"),
    path("backorders/<int:pk>/", views.backorder_edit, name="backorder_edit"),
    # 盘点
    path("stocktakes/", views.stocktake_list, name="stocktakes"),
    path("stocktakes/open/", views.stocktake_open, name="stocktake_open"),
    path("stocktakes/<int:pk>/", views.stocktake_detail, name="stocktake"),
    path("stocktakes/<int:pk>/count/", views.stocktake_count, name="stocktake_count"),
    path("stocktakes/<int:pk>/lines/", views.stocktake_line_add, name="stocktake_line_add"),
    path("stocktakes/<int:pk>/post/", views.stocktake_post, name="stocktake_post"),
    path("stocktakes/<int:pk>/cancel/", views.stocktake_cancel, name="stocktake_cancel"),
    # 低库存预警
    path("low-stock/", views.low_stock, name="low_stock"),
]
